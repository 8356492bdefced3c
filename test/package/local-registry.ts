import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import * as path from 'node:path';

// An npm registry on 127.0.0.1 that serves exactly the packages of this repository's package-lock.json, from the
// npm cache `npm ci` of this repository filled: `npm install` (which, unlike `npm ci`, resolves version ranges
// and so needs the registry's package documents) then works without the network, and resolves every range to a
// version the lock file pins. `projen new --from <package>` runs `npm install`; so does projen after creating a
// project. Run as a child process, since it reads the npm cache, outside the repository.

interface LockEntry {
  readonly name?: string;
  readonly version?: string;
  readonly integrity?: string;
  readonly inBundle?: boolean;
  readonly link?: boolean;
  readonly [key: string]: unknown;
}

/** Manifest fields npm's resolver reads from a registry's package document. */
const MANIFEST_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta', 'bundleDependencies',
  'bin', 'engines', 'os', 'cpu', 'license', 'deprecated', 'hasInstallScript'];

/** A running registry: its URL (for `npm_config_registry`) and how to stop it. */
export interface LocalRegistry {
  readonly url: string;
  stop(): void;
}

/** Starts the registry in a child process and resolves once it listens. */
export function startLocalRegistry(root: string): Promise<LocalRegistry> {
  const cache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
  const child: ChildProcess = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', __filename, path.join(root, 'package-lock.json'), cache], {
    cwd: root,
    env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', chunk => { stderr += chunk; });
    child.once('exit', code => reject(new Error(`the local registry exited with ${code}:\n${stderr}`)));
    child.stdout!.once('data', chunk => {
      const url = String(chunk).trim();
      resolve({ url, stop: () => child.kill() });
    });
  });
}

function serve(lockFile: string, cache: string): void {
  const lock: { packages: Record<string, LockEntry> } = JSON.parse(readFileSync(lockFile, 'utf8'));
  const versions = new Map<string, Map<string, LockEntry>>();
  for (const [location, entry] of Object.entries(lock.packages)) {
    // The root, bundled packages (they come inside their parent's tarball) and links are not registry packages.
    if (!location || entry.inBundle || entry.link || !entry.version || !entry.integrity) {
      continue;
    }
    const name = entry.name ?? location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (!versions.has(name)) {
      versions.set(name, new Map());
    }
    versions.get(name)!.set(entry.version, entry);
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const tarball = /^\/(.+)\/-\/[^/]+-(\d[^/]*)\.tgz$/.exec(decodeURIComponent(url.pathname));
    if (tarball) {
      const entry = versions.get(tarball[1])?.get(tarball[2]);
      const file = entry && cachedContent(cache, entry.integrity!);
      if (!file) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      createReadStream(file).pipe(response);
      return;
    }
    const name = decodeURIComponent(url.pathname.slice(1));
    const known = versions.get(name);
    if (!known) {
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `${name} is not in package-lock.json` }));
      return;
    }
    const base = `http://${request.headers.host}`;
    const document = {
      'name': name,
      'dist-tags': { latest: [...known.keys()].sort(compareVersions).at(-1) },
      'versions': Object.fromEntries([...known].map(([version, entry]) => [version, {
        name,
        version,
        ...Object.fromEntries(MANIFEST_FIELDS.filter(f => entry[f] !== undefined).map(f => [f, entry[f]])),
        dist: { integrity: entry.integrity, tarball: `${base}/${name}/-/${name.split('/').pop()}-${version}.tgz` },
      }])),
    };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document));
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address && typeof address === 'object') {
      process.stdout.write(`http://127.0.0.1:${address.port}/\n`);
    }
  });
}

/** Where cacache (npm's cache) keeps the content of `integrity`. */
function cachedContent(cache: string, integrity: string): string | undefined {
  const [algorithm, digest] = integrity.split(' ')[0].split(/-(.*)/s);
  const hex = Buffer.from(digest, 'base64').toString('hex');
  const file = path.join(cache, '_cacache', 'content-v2', algorithm, hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
  return existsSync(file) ? file : undefined;
}

/** Semantic version order, prereleases before their release. */
function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core, pre] = v.split(/-(.*)/s);
    return { core: core.split('.').map(Number), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) {
    if (x.core[i] !== y.core[i]) {
      return x.core[i] - y.core[i];
    }
  }
  return x.pre === y.pre ? 0 : x.pre === undefined ? 1 : y.pre === undefined ? -1 : x.pre.localeCompare(y.pre);
}

if (require.main === module) {
  serve(process.argv[2], process.argv[3]);
}
