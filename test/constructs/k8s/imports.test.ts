import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type CrdSchemaFile, readCrdSchemas } from './manifest-validator';
import { GpuCluster } from '../../../constructs/compute/gpu-cluster';
import { ROOT } from '../../harness/validators';

// The typed classes and the schemas are both generated from the upstream CRDs by regenerate.sh, which a clone
// cannot run (the upstream files are not in the repository). What the tests can check: the classes are the code
// `cdk8s import` generates from the committed schemas, and the schemas record the upstream files that
// crd-sources.json pins, at the versions the cluster installs.
const IMPORTS = path.join(ROOT, 'constructs', 'k8s', 'imports');
const SOURCES: Record<string, Omit<CrdSchemaFile['source'], 'file'>> = JSON.parse(readFileSync(path.join(IMPORTS, 'crd-sources.json'), 'utf8')).files;
const schemas = readCrdSchemas();

/** Generated TypeScript without its comments and blank lines: the code alone. */
function codeOf(typescript: string): string {
  return typescript.replace(/\/\*[\s\S]*?\*\//g, '').split('\n').filter(l => l.trim() !== '' && !/^\s*\/\//.test(l)).join('\n');
}

test('the committed typed classes are the code cdk8s import generates from the committed schemas', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'mlops-k8s-imports-'));
  const run = spawnSync('bash', [path.join(IMPORTS, 'regenerate.sh'), '--from-schemas', out], { encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(`regenerate.sh --from-schemas failed (${run.status}):\n${run.stderr}`);
  }
  const generated = readdirSync(out).filter(f => f.endsWith('.ts')).sort();
  expect(generated).toEqual(readdirSync(IMPORTS).filter(f => f.endsWith('.ts')).sort());
  const stale = generated.filter(f => codeOf(readFileSync(path.join(out, f), 'utf8')) !== codeOf(readFileSync(path.join(IMPORTS, f), 'utf8')));
  expect(stale).toEqual([]);
});

test('the comparison ignores doc comments but not code', () => {
  const committed = readFileSync(path.join(IMPORTS, 'karpenter-karpenter.sh.ts'), 'utf8');
  expect(committed).toContain('readonly weight?: number;');
  expect(codeOf(committed.replace(/\/\*\*[^]*?\*\//, '/** reworded */'))).toBe(codeOf(committed));
  expect(codeOf(committed.replace('readonly weight?: number;', 'readonly weight?: string;'))).not.toBe(codeOf(committed));
});

test('there is one schema file per upstream file crd-sources.json pins, recording that file', () => {
  expect([...schemas.keys()]).toEqual(Object.keys(SOURCES).map(f => f.replace(/\.yaml$/, '.json')).sort());
  for (const [file, schema] of schemas) {
    expect({ file, source: schema.source }).toEqual({ file, source: { file: schema.source.file, ...SOURCES[schema.source.file] } });
    expect(schema.source.license).toBe('Apache-2.0');
    expect(schema.source.tag).toBe(`v${schema.source.version}`);
  }
});

test('the schemas are of the CRD versions the GPU cluster installs', () => {
  const versionsOf = (group: RegExp) => [...new Set([...schemas.values()].filter(s => group.test(s.group)).map(s => s.source.version))];
  expect(versionsOf(/^karpenter\./)).toEqual([GpuCluster.DEFAULT_CHART_VERSIONS.karpenter]);
  expect(versionsOf(/^kueue\./)).toEqual([GpuCluster.DEFAULT_CHART_VERSIONS.kueue]);
});

test('each schema file holds the served versions of its kind, with no descriptions left', () => {
  const descriptions = (node: any, at: string): string[] => {
    if (Array.isArray(node)) {
      return node.flatMap((n, i) => descriptions(n, `${at}/${i}`));
    }
    if (!node || typeof node !== 'object') {
      return [];
    }
    return Object.entries(node).flatMap(([k, v]) => {
      if (k === 'description') {
        return [at];
      }
      if (k === 'properties') {
        // Property names are data: a field may be called "description" (Kueue's WorkloadPriorityClass is).
        return Object.entries(v as object).flatMap(([name, s]) => descriptions(s, `${at}/properties/${name}`));
      }
      return ['default', 'enum', 'x-kubernetes-validations'].includes(k) ? [] : descriptions(v, `${at}/${k}`);
    });
  };
  for (const [file, schema] of schemas) {
    expect({ file, kinds: schema.versions.length > 0, served: schema.versions.every(v => v.served) }).toEqual({ file, kinds: true, served: true });
    expect({ file, descriptions: schema.versions.flatMap(v => descriptions(v.openAPIV3Schema, v.name)) }).toEqual({ file, descriptions: [] });
  }
  const priorityClass = schemas.get('kueue.x-k8s.io_workloadpriorityclasses.json')!;
  expect(Object.keys(priorityClass.versions[0].openAPIV3Schema.properties)).toContain('description');
});
