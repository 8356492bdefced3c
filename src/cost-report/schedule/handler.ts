// The Lambda entry point of CostReportSchedule, bundled by esbuild at synth time. Run-time code only: no
// aws-cdk-lib here.
import { runScheduledReport, scheduledReportOptionsFromEnv, type ScheduledReportResult } from './run';

export { runScheduledReport, scheduledReportOptionsFromEnv } from './run';
export { reportWindow, SCHEDULED_REPORT_ENV } from './settings';
export type { ScheduledReportOptions, ScheduledReportResult } from './run';

/**
 * The Lambda handler: one report run with the settings of the environment (`SCHEDULED_REPORT_ENV`). The schedule's
 * event carries nothing the run needs. Errors are thrown, so that Lambda counts them, retries the invocation and
 * sends it to the failure destination.
 */
export async function handler(): Promise<ScheduledReportResult> {
  return runScheduledReport(scheduledReportOptionsFromEnv(process.env));
}
