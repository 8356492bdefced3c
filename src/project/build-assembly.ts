/**
 * Writes `.jsii` at the package root: the jsii assembly of the projen project type.
 *
 * `projen new --from <package>` finds project types, and the options it offers on its command line, only in a
 * package's jsii assembly (the `.jsii` file). This package is compiled with tsc, so jsii compiles the project
 * type alone, in a staging directory: a package of the same name, version and metadata whose entry point
 * exports what the package's main module exports of it (`MlopsPlatformProject`, `MlopsPlatformProjectOptions`).
 * The assembly describes that part of the API only; the JavaScript that runs is tsc's, from the same sources.
 *
 * Run by the post-compile task (see .projenrc.ts); not shipped.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** What the project type's sources import, relative to `src/`. */
const SOURCES = ['errors.ts', 'tags', 'project/mlops-platform-project.ts', 'project/private'];

/** Compiles the assembly in `<root>/dist/jsii`, then moves it to `<root>/.jsii`; returns that path. */
export function buildAssembly(root: string): string {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const stage = path.join(root, 'dist', 'jsii');
  rmSync(stage, { recursive: true, force: true });
  for (const source of SOURCES) {
    cpSync(path.join(root, 'src', source), path.join(stage, 'src', source), { recursive: true });
  }
  copyFileSync(path.join(root, 'README.md'), path.join(stage, 'README.md'));
  writeFileSync(path.join(stage, 'index.ts'), "export * from './src/project/mlops-platform-project';\n");
  symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
  const peer = (name: string) => {
    const range = manifest.peerDependencies?.[name];
    if (!range) {
      throw new Error(`package.json has no peer dependency on ${name}, which the project type's API uses`);
    }
    return range;
  };
  writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify({
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    license: manifest.license,
    author: manifest.author,
    repository: manifest.repository,
    main: 'index.js',
    types: 'index.d.ts',
    peerDependencies: { projen: peer('projen'), constructs: peer('constructs') },
    devDependencies: { projen: manifest.devDependencies.projen, constructs: manifest.devDependencies.constructs },
    // No targets: the package is for JavaScript and TypeScript only.
    jsii: { outdir: 'dist', targets: {}, tsc: { outDir: '.', rootDir: '.' } },
  }, undefined, 2)}\n`);
  execFileSync(process.execPath, [require.resolve('jsii/bin/jsii', { paths: [root] })], { cwd: stage, stdio: 'inherit' });
  const out = path.join(root, '.jsii');
  copyFileSync(path.join(stage, '.jsii'), out);
  // Its package.json has the package's name: left in the tree, jest's module map would find the name twice.
  rmSync(stage, { recursive: true, force: true });
  return out;
}

if (require.main === module) {
  buildAssembly(path.resolve(__dirname, '..', '..'));
}
