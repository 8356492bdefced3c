import { Chart, Testing } from 'cdk8s';
import type { CostTags } from '../../../src/tags/tag-schema';

/** Every required key of the default schema. */
export const TAGS: CostTags = { 'team': 'fraud', 'project': 'scoring', 'cost-center': 'cc-4200', 'environment': 'prod' };

/** The plain values the GPU cluster stack hands over. */
export const CLUSTER = { clusterName: 'mlops', nodeRoleName: 'mlops-karpenter-node' };

/** A fresh chart in a fresh app. */
export function newChart(): Chart {
  return new Chart(Testing.app(), 'Test', { disableResourceNameHashes: true });
}

/** The one synthesized object of `kind` (and `name`, when given); fails the test when there is not exactly one. */
export function objectOf(chart: Chart, kind: string, name?: string): any {
  const found = Testing.synth(chart).filter(o => o.kind === kind && (name === undefined || o.metadata?.name === name));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` named ${name}` : ''}, found ${found.length}`);
  }
  return found[0];
}
