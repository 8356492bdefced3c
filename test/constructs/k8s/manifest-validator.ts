import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../../harness/validators';

/** Kubernetes release whose schemas core kinds are checked against: the oldest the charts support. */
export const KUBERNETES_VERSION = '1.30.0';
const K8S_SCHEMA_BASE = 'https://kubernetes.io/api/';
const OBJECT_META = `${K8S_SCHEMA_BASE}_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`;

/**
 * The folder of upstream CRD YAML (`../shared/crds` beside the repository, or `$MLOPS_SHARED_CRDS`).
 * Throws with what to do when it is missing: a clone without it cannot check manifests against the CRDs,
 * and a test that silently passed would claim otherwise.
 */
export function sharedCrdsDir(): string {
  const dir = process.env.MLOPS_SHARED_CRDS ?? path.resolve(ROOT, '..', 'shared', 'crds');
  if (!existsSync(path.join(dir, 'karpenter.sh_nodepools.yaml'))) {
    throw new Error(`The upstream CRD folder was not found at ${dir}. These tests validate manifests against the ` +
      'Karpenter, Kueue and KServe CRD schemas in it (CI always has it beside the repository). Put the CRD YAML ' +
      'files there, or set MLOPS_SHARED_CRDS to the folder that holds them.');
  }
  return dir;
}

/**
 * The strict Kubernetes JSON schemas shipped by the pinned `kubernetes-validate` Python package in `.venv`.
 */
export function kubernetesSchemaDir(version: string = KUBERNETES_VERSION): string {
  const lib = path.join(ROOT, '.venv', 'lib');
  const python = existsSync(lib) ? readdirSync(lib).find(d => d.startsWith('python')) : undefined;
  const dir = python && path.join(lib, python, 'site-packages', 'kubernetes_validate', 'kubernetes-json-schema', `v${version}-local-strict`);
  if (!dir || !existsSync(dir)) {
    throw new Error(`Kubernetes ${version} JSON schemas not found in .venv (kubernetes-validate, pinned in ` +
      'test/tools/requirements.txt). Run \'bash test/tools/python-tools.sh\' (npm test does this first).');
  }
  return dir;
}

/**
 * Validates Kubernetes objects: core kinds against the Kubernetes JSON schemas, custom resources against
 * the `openAPIV3Schema` of their CRD. Fields a schema does not declare are errors, as with
 * `kubectl apply`'s default strict field validation. CEL rules (`x-kubernetes-validations`) are not
 * evaluated.
 */
export class ManifestValidator {
  private readonly ajv: Ajv2020;
  private readonly crdSchemas = new Map<string, object>();
  private readonly coreSchemaFiles = new Map<string, string>();
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly unreadCrdFiles: string[];

  constructor(crdsDir: string = sharedCrdsDir(), k8sDir: string = kubernetesSchemaDir()) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    addFormats(this.ajv);
    for (const f of ['int32', 'int64', 'double', 'float', 'byte']) {
      this.ajv.addFormat(f, true);
    }
    const definitions = JSON.parse(readFileSync(path.join(k8sDir, '_definitions.json'), 'utf8'));
    this.ajv.addSchema({ ...definitions, $id: `${K8S_SCHEMA_BASE}_definitions.json` });
    for (const file of readdirSync(k8sDir)) {
      if (!file.endsWith('.json') || file.startsWith('_') || file === 'all.json') {
        continue;
      }
      const schema = JSON.parse(readFileSync(path.join(k8sDir, file), 'utf8'));
      for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
        this.coreSchemaFiles.set(key(gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version, gvk.kind), path.join(k8sDir, file));
      }
    }
    // Smallest first, read only until the kind is found: the full KServe CRD alone is 2 MB of YAML.
    this.unreadCrdFiles = readdirSync(crdsDir).filter(f => f.endsWith('.yaml')).map(f => path.join(crdsDir, f))
      .sort((a, b) => statSync(a).size - statSync(b).size);
  }

  /** Every problem with one object, as `Kind/name: /json/path message` lines; empty when it is valid. */
  public validate(obj: any): string[] {
    const id = `${obj?.kind}/${obj?.metadata?.name}`;
    const k = key(obj?.apiVersion, obj?.kind);
    let validateFn = this.compiled.get(k);
    if (!validateFn) {
      const crd = this.crdSchema(k);
      const coreFile = this.coreSchemaFiles.get(k);
      if (!crd && !coreFile) {
        return [`${id}: no schema for apiVersion ${obj?.apiVersion} kind ${obj?.kind}`];
      }
      validateFn = this.ajv.compile(crd ?? JSON.parse(readFileSync(coreFile!, 'utf8')));
      this.compiled.set(k, validateFn);
    }
    if (validateFn(obj)) {
      return [];
    }
    return (validateFn.errors ?? []).map(e => `${id}: ${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
  }

  private crdSchema(k: string): object | undefined {
    while (!this.crdSchemas.has(k) && this.unreadCrdFiles.length > 0) {
      for (const doc of parseAllDocuments(readFileSync(this.unreadCrdFiles.shift()!, 'utf8'))) {
        const crd = doc.toJS();
        if (crd?.kind !== 'CustomResourceDefinition') {
          continue;
        }
        for (const v of crd.spec.versions) {
          const apiVersion = `${crd.spec.group}/${v.name}`;
          this.crdSchemas.set(key(apiVersion, crd.spec.names.kind), crdObjectSchema(v.schema.openAPIV3Schema, apiVersion, crd.spec.names.kind));
        }
      }
    }
    return this.crdSchemas.get(k);
  }

  /** Every problem with a list of objects (e.g. `Testing.synth(chart)`). */
  public validateAll(objs: readonly any[]): string[] {
    return objs.flatMap(o => this.validate(o));
  }
}

function key(apiVersion: string, kind: string): string {
  return `${apiVersion}|${kind}`;
}

/**
 * A CRD version's schema as the API server applies it to a whole object: exact apiVersion and kind, standard
 * object metadata, and no undeclared fields.
 */
function crdObjectSchema(openApi: any, apiVersion: string, kind: string): object {
  const schema = strictObjects(structuredClone(openApi));
  schema.properties = {
    ...schema.properties,
    apiVersion: { const: apiVersion },
    kind: { const: kind },
    metadata: { $ref: OBJECT_META },
  };
  schema.required = [...new Set([...(schema.required ?? []), 'apiVersion', 'kind', 'metadata'])];
  return schema;
}

/** Forbid undeclared fields wherever a CRD declares properties and does not keep unknown fields. */
function strictObjects(node: any): any {
  if (Array.isArray(node)) {
    node.forEach(strictObjects);
  } else if (node && typeof node === 'object') {
    if (node.properties && node.additionalProperties === undefined && !node['x-kubernetes-preserve-unknown-fields']) {
      node.additionalProperties = false;
    }
    if (node.nullable === true && typeof node.type === 'string') {
      node.type = [node.type, 'null'];
    }
    Object.values(node).forEach(strictObjects);
  }
  return node;
}
