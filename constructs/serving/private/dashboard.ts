import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import type { ModelEndpointBase } from '../model-endpoint';

/**
 * One dashboard per endpoint: per production variant, traffic and errors, latency, utilization and the instance
 * count, plus the rollback alarms' states.
 */
export function endpointDashboard(
  endpoint: ModelEndpointBase & Construct, id: string, variantNames: readonly string[], alarms: readonly cloudwatch.IAlarm[],
): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(endpoint, id);
  dashboard.addWidgets(new cloudwatch.TextWidget({
    markdown: `# SageMaker endpoint ${endpoint.endpointName}\nVariants: ${variantNames.join(', ')}`,
    width: 24,
    height: 2,
  }));
  if (alarms.length > 0) {
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Rollback alarms', alarms: [...alarms], width: 24 }));
  }
  for (const variantName of variantNames) {
    const o = { variantName };
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${variantName}: invocations and errors`,
        left: [endpoint.metricInvocations(o)],
        right: [endpoint.metricInvocation4xxErrors(o), endpoint.metricInvocation5xxErrors(o)],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${variantName}: model latency (µs)`,
        left: [
          endpoint.metricModelLatency({ ...o, statistic: 'p50', label: 'p50' }),
          endpoint.metricModelLatency({ ...o, statistic: 'p99', label: 'p99' }),
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${variantName}: utilization (%)`,
        left: [endpoint.metricCpuUtilization(o), endpoint.metricMemoryUtilization(o), endpoint.metricGpuUtilization(o)],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${variantName}: instances`,
        left: [new cloudwatch.MathExpression({
          // SageMaker publishes no instance count metric; while there is traffic, invocations over invocations per
          // instance is the number of instances serving.
          expression: 'IF(perInstance > 0, invocations / perInstance, 0)',
          usingMetrics: { invocations: endpoint.metricInvocations(o), perInstance: endpoint.metricInvocationsPerInstance(o) },
          label: 'instances serving (invocations / invocations per instance)',
          // The endpoint's metrics are per minute; the expression's own default (5 minutes) would override them.
          period: Duration.minutes(1),
        })],
        width: 6,
      }),
    );
  }
  return dashboard;
}
