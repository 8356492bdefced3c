import { ConditionStep, EvaluationStep, type PipelineStep } from '../pipeline-steps';
import { referencesOf, type StepReference } from '../pipeline-values';

/**
 * Problems with a pipeline's step graph: references to steps that are not in it, conditions on metrics no
 * evaluation step of it produces, steps in more than one branch, and cycles. Edges are `dependsOn`, data
 * references (a step reads another's output) and a condition's branches.
 */
export function graphProblems(steps: readonly PipelineStep[]): string[] {
  const problems: string[] = [];
  const byName = new Map(steps.map(s => [s.name, s]));
  const edges = new Map<string, Set<string>>(steps.map(s => [s.name, new Set<string>()]));
  const known = (ref: StepReference) => byName.get(ref.name) === ref;

  for (const step of steps) {
    for (const dep of step._dependsOn) {
      const name = typeof dep === 'string' ? dep : dep.name;
      if (typeof dep === 'string' ? !byName.has(dep) : !known(dep)) {
        problems.push(`step "${step.name}" depends on "${name}", which is not a step of this pipeline (steps: ${[...byName.keys()].join(', ')})`);
      } else {
        edges.get(step.name)!.add(name);
      }
    }
    for (const ref of referencesOf(step._inputs()).steps) {
      if (!known(ref)) {
        problems.push(`step "${step.name}" reads an output of step "${ref.name}", which is not a step of this pipeline; use the outputs of this pipeline's steps`);
      } else if (ref.name !== step.name) {
        edges.get(step.name)!.add(ref.name);
      }
    }
    if (step instanceof ConditionStep) {
      step.conditions.forEach((c, i) => {
        if (typeof c.metric === 'string') {
          const [stepName, metric] = splitMetric(c.metric);
          const producer = byName.get(stepName);
          if (!(producer instanceof EvaluationStep) || !producer.metricNames.includes(metric)) {
            const produced = steps.filter((s): s is EvaluationStep => s instanceof EvaluationStep).flatMap(s => s.metricNames.map(m => `${s.name}.${m}`));
            problems.push(`condition "${step.name}": conditions[${i}].metric ("${c.metric}") is a metric no step of this pipeline produces ` +
              `(metrics: ${produced.join(', ') || 'none: add an evaluation step'})`);
          } else {
            edges.get(step.name)!.add(stepName);
          }
        } else if (!known(c.metric.step)) {
          problems.push(`condition "${step.name}": conditions[${i}].metric ("${c.metric.step.name}.${c.metric.metricName}") is a metric no step of ` +
            'this pipeline produces: its evaluation step belongs to another pipeline');
        }
      });
      for (const branch of [...step.ifSteps, ...step.elseSteps]) {
        if (!known(branch)) {
          problems.push(`condition "${step.name}" runs step "${branch.name}", which is not a step of this pipeline`);
        } else {
          edges.get(branch.name)!.add(step.name);
        }
      }
    }
  }

  const owner = new Map<string, string>();
  for (const condition of steps.filter((s): s is ConditionStep => s instanceof ConditionStep)) {
    for (const branch of [...condition.ifSteps, ...condition.elseSteps]) {
      const first = owner.get(branch.name);
      if (first !== undefined) {
        problems.push(`step "${branch.name}" is in more than one condition branch ("${first}" and "${condition.name}"); a step runs in one branch only`);
      }
      owner.set(branch.name, condition.name);
    }
  }

  const cycle = findCycle(edges);
  if (cycle) {
    problems.push(`the steps form a cycle: ${cycle.join(' -> ')}; a step cannot (even indirectly) depend on itself`);
  }
  return problems;
}

/** The steps that run inside a condition's branch, which the definition nests instead of listing. */
export function branchSteps(steps: readonly PipelineStep[]): Set<PipelineStep> {
  return new Set(steps.flatMap(s => s instanceof ConditionStep ? [...s.ifSteps, ...s.elseSteps] : []));
}

/** `"Evaluate.auc"` → `["Evaluate", "auc"]`. */
export function splitMetric(metric: string): [string, string] {
  const dot = metric.indexOf('.');
  return dot < 0 ? [metric, ''] : [metric.slice(0, dot), metric.slice(dot + 1)];
}

/** One cycle of "depends on" edges, as step names from a step back to itself, if there is one. */
function findCycle(edges: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'visiting');
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'visiting') {
        return [...path.slice(path.indexOf(next)), next];
      }
      if (state.get(next) === undefined) {
        const found = visit(next);
        if (found) {
          return found;
        }
      }
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of edges.keys()) {
    if (state.get(node) === undefined) {
      const found = visit(node);
      if (found) {
        return found;
      }
    }
  }
  return undefined;
}
