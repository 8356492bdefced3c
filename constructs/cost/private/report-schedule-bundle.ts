import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';

/**
 * The handler's source: the TypeScript file when running from the repository (tests, `ts-node`), the compiled
 * JavaScript when running from the installed package (`lib/constructs/cost/private` next to `lib/src`). Both are
 * three folders up from here, then `src/cost-report/schedule/`.
 */
export function handlerEntry(): string {
  const dir = path.join(__dirname, '..', '..', '..', 'src', 'cost-report', 'schedule');
  for (const file of ['handler.ts', 'handler.js']) {
    const entry = path.join(dir, file);
    if (existsSync(entry)) {
      return entry;
    }
  }
  throw new Error(`the scheduled cost report's handler is missing from ${dir} (handler.ts or handler.js): is the mlops-stack package complete?`);
}

/** Node.js version the bundle is written for: the lowest the package supports, which also runs on newer runtimes. */
export const BUNDLE_TARGET = 'node20';

const bundles = new Map<string, string>();

/**
 * Bundles the handler with esbuild into a directory of its own (`index.js`) and returns the directory. Built
 * once per process and entry: every CostReportSchedule of an app shares the bundle, and so the asset.
 *
 * Everything is bundled, AWS SDK clients included, though the Lambda Node.js runtime ships SDK v3: the runtime's
 * copy changes when AWS updates it, the bundle's is the version this package was tested with.
 */
export function bundleHandler(entry = handlerEntry()): string {
  const cached = bundles.get(entry);
  if (cached && existsSync(path.join(cached, 'index.js'))) {
    return cached;
  }
  const outdir = mkdtempSync(path.join(tmpdir(), 'mlops-cost-report-handler-'));
  mkdirSync(outdir, { recursive: true });
  buildSync({
    entryPoints: [entry],
    // The bundle names each source file in a comment, relative to this folder: relative to the package root, not
    // the user's working directory, the same sources give the same asset hash wherever synth runs.
    absWorkingDir: path.join(__dirname, '..', '..', '..'),
    outfile: path.join(outdir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: BUNDLE_TARGET,
    format: 'cjs',
    // Readable stack traces in the function's logs; the bundle is about 2 MB either way.
    minify: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  bundles.set(entry, outdir);
  return outdir;
}
