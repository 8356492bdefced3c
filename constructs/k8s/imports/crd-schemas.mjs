// The CRD schemas the tests validate manifests against, kept in the repository so that a clone needs nothing
// beside it. Run by regenerate.sh; the files it writes are committed and never edited by hand.
//
//   node crd-schemas.mjs <upstream-crd-folder> <out-folder>
//     For each file in crd-sources.json: check its sha256, then write <out-folder>/<name>.json with the
//     `openAPIV3Schema` of every served version, descriptions removed (they are most of the bytes and validate
//     nothing), and the upstream record (repository, path, version, commit, licence, sha256). A file with a
//     `subset` script (KServe) is pruned by that script first.
//
//   node crd-schemas.mjs --to-crds <schema-folder> <out-folder>
//     The reverse, for the tests: a CustomResourceDefinition YAML per schema file, under the upstream file
//     name, for `cdk8s import` to regenerate the typed classes from (without their doc comments).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const YAML = require('yaml');
const here = dirname(fileURLToPath(import.meta.url));
const SOURCES = JSON.parse(readFileSync(join(here, 'crd-sources.json'), 'utf8')).files;
const GENERATED_BY = 'constructs/k8s/imports/regenerate.sh (crd-schemas.mjs) from the upstream file in `source`; do not edit';

/** Keys whose values are data, not schemas: copied as they are. */
const DATA_KEYS = new Set(['default', 'enum', 'example', 'x-kubernetes-validations', 'x-kubernetes-list-map-keys']);

/** A schema without its `description`s; property names (which may be "description") are kept. */
function stripDescriptions(schema) {
  if (Array.isArray(schema)) {
    return schema.map(stripDescriptions);
  }
  if (!schema || typeof schema !== 'object') {
    return schema;
  }
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description') {
      continue;
    }
    if (key === 'properties' || key === 'patternProperties') {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, stripDescriptions(s)]));
    } else {
      out[key] = DATA_KEYS.has(key) ? value : stripDescriptions(value);
    }
  }
  return out;
}

function fromUpstream(crdsDir, outDir) {
  mkdirSync(outDir, { recursive: true });
  const problems = [];
  for (const [file, source] of Object.entries(SOURCES)) {
    const input = join(crdsDir, file);
    const sha256 = createHash('sha256').update(readFileSync(input)).digest('hex');
    if (sha256 !== source.sha256) {
      problems.push(`${input}: sha256 ${sha256}, crd-sources.json records ${source.sha256} (${source.tag}); ` +
        'after reviewing the new file, update its entry there (version, tag, commit, sha256)');
      continue;
    }
    let text = readFileSync(input, 'utf8');
    if (source.subset) {
      const work = mkdtempSync(join(tmpdir(), 'crd-subset-'));
      try {
        execFileSync(process.execPath, [join(here, source.subset.script), input, join(work, file)], { stdio: 'inherit' });
        text = readFileSync(join(work, file), 'utf8');
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    }
    const crds = YAML.parseAllDocuments(text).map(d => d.toJS()).filter(d => d?.kind === 'CustomResourceDefinition');
    if (crds.length !== 1) {
      problems.push(`${input}: expected one CustomResourceDefinition, found ${crds.length}`);
      continue;
    }
    const crd = crds[0];
    const out = {
      generatedBy: GENERATED_BY,
      source: { file, ...source },
      group: crd.spec.group,
      kind: crd.spec.names.kind,
      names: crd.spec.names,
      scope: crd.spec.scope,
      versions: crd.spec.versions.filter(v => v.served).map(v => ({
        name: v.name,
        served: true,
        storage: v.storage,
        openAPIV3Schema: stripDescriptions(v.schema.openAPIV3Schema),
      })),
    };
    writeFileSync(join(outDir, `${basename(file, '.yaml')}.json`), `${JSON.stringify(out, null, 2)}\n`);
  }
  if (problems.length > 0) {
    console.error(`crd-schemas: ${problems.join('\n  ')}`);
    process.exit(1);
  }
}

function toCrds(schemaDir, outDir) {
  mkdirSync(outDir, { recursive: true });
  for (const f of readdirSync(schemaDir).filter(n => n.endsWith('.json')).sort()) {
    const s = JSON.parse(readFileSync(join(schemaDir, f), 'utf8'));
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${s.names.plural}.${s.group}` },
      spec: {
        group: s.group,
        names: s.names,
        scope: s.scope,
        versions: s.versions.map(v => ({ name: v.name, served: v.served, storage: v.storage, schema: { openAPIV3Schema: v.openAPIV3Schema } })),
      },
    };
    writeFileSync(join(outDir, s.source.file), YAML.stringify(crd));
  }
}

const args = process.argv.slice(2);
if (args.length === 3 && args[0] === '--to-crds') {
  toCrds(args[1], args[2]);
} else if (args.length === 2 && !args[0].startsWith('-')) {
  fromUpstream(args[0], args[1]);
} else {
  console.error('usage: node crd-schemas.mjs <upstream-crd-folder> <out-folder>\n' +
    '       node crd-schemas.mjs --to-crds <schema-folder> <out-folder>');
  process.exit(2);
}
