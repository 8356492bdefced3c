import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../harness/validators';

interface LockEntry {
  readonly version?: string;
  readonly resolved?: string;
  readonly integrity?: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  readonly bundleDependencies?: string[];
  readonly [key: string]: unknown;
}

/**
 * Writes package.json and package-lock.json of a project that depends on the packed tarball and on `packages`,
 * at the versions this repository's lock file pins, so `npm ci --offline` installs it from the npm cache that
 * `npm ci` of this repository filled: npm resolves nothing, it only unpacks what the lock names. The lock holds
 * the tarball and the closure of its dependencies and required peers, plus each package in `packages` and its
 * closure, found the way Node resolves them (nearest node_modules upwards).
 */
export function writeOfflineProject(dir: string, tarball: string, packages: readonly string[]): void {
  const lock: { packages: Record<string, LockEntry> } = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const tgz = path.basename(tarball);
  const self: LockEntry = {
    version: manifest.version,
    resolved: `file:${tgz}`,
    integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
    license: manifest.license,
    dependencies: manifest.dependencies,
    peerDependencies: manifest.peerDependencies,
    peerDependenciesMeta: manifest.peerDependenciesMeta,
    bin: manifest.bin,
    engines: manifest.engines,
  };
  const dependencies: Record<string, string> = { [manifest.name]: `file:${tgz}` };
  for (const name of packages) {
    const entry = lock.packages[`node_modules/${name}`];
    if (!entry?.version) {
      throw new Error(`${name} is not a top-level package of package-lock.json`);
    }
    dependencies[name] = entry.version;
  }
  const out: Record<string, LockEntry> = {
    '': { name: 'consumer', version: '1.0.0', dependencies },
    [`node_modules/${manifest.name}`]: self,
  };
  const entryAt = (location: string): LockEntry | undefined => (location === `node_modules/${manifest.name}` ? self : lock.packages[location]);
  const queue = Object.keys(dependencies).map(n => `node_modules/${n}`);
  const seen = new Set<string>();
  while (queue.length > 0) {
    const location = queue.shift()!;
    if (seen.has(location)) {
      continue;
    }
    seen.add(location);
    const entry = entryAt(location);
    if (!entry) {
      throw new Error(`package-lock.json has no ${location}`);
    }
    if (location !== `node_modules/${manifest.name}`) {
      // Flags describe this repository's tree (dev, peer, optional): npm works them out again for the new one.
      const { dev, peer, devOptional, optional, ...rest } = entry;
      out[location] = rest;
    }
    const edges: [string, boolean][] = [
      ...Object.keys(entry.dependencies ?? {}).map(n => [n, true] as [string, boolean]),
      ...Object.keys(entry.optionalDependencies ?? {}).map(n => [n, false] as [string, boolean]),
      ...Object.keys(entry.peerDependencies ?? {}).map(n => [n, !entry.peerDependenciesMeta?.[n]?.optional] as [string, boolean]),
    ];
    for (const [name, required] of edges) {
      if (entry.bundleDependencies?.includes(name)) {
        continue;
      }
      const found = resolveFrom(lock.packages, location, name);
      if (found) {
        queue.push(found);
      } else if (required) {
        throw new Error(`package-lock.json cannot resolve ${name}, needed by ${location}`);
      }
    }
  }
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, dependencies }, null, 2)}\n`);
  writeFileSync(path.join(dir, 'package-lock.json'), `${JSON.stringify({ name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages: out }, null, 2)}\n`);
}

/** Where Node would find `name` from the package at `location`: its own node_modules, then each one above. */
function resolveFrom(packages: Record<string, LockEntry>, location: string, name: string): string | undefined {
  let base = location;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[candidate]) {
      return candidate;
    }
    if (!base) {
      return undefined;
    }
    const i = base.lastIndexOf('/node_modules/');
    base = i < 0 ? '' : base.slice(0, i);
  }
}
