// The projen project type loads projen, which only `projen new --from mlops-stack` and a platform repository's
// .projenrc.ts need: it is an optional peer dependency. So the class is loaded on first access, as aws-cdk-lib
// loads its service modules, and importing mlops-stack for its constructs or its run-time code loads no projen.
// projen finds the class on the package's main module, from the jsii assembly the package ships (.jsii).
import type * as platformProject from './mlops-platform-project';

export type { MlopsPlatformProjectOptions } from './mlops-platform-project';

/**
 * The projen project type of a platform repository: see `MlopsPlatformProject` in
 * `src/project/mlops-platform-project.ts`. Needs projen installed.
 */
export declare const MlopsPlatformProject: typeof platformProject.MlopsPlatformProject;
/** Instance type of {@link MlopsPlatformProject}. */
export type MlopsPlatformProject = platformProject.MlopsPlatformProject;

Object.defineProperty(exports, 'MlopsPlatformProject', {
  enumerable: true,
  configurable: true,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  get: () => (require('./mlops-platform-project') as typeof platformProject).MlopsPlatformProject,
});
