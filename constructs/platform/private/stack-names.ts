import { pascalCase } from './names';
import type { MlopsPlatformProps, PromotionStages } from '../mlops-platform';

/** The stack names the platform uses: given ones, else `<id><Part>`. */
export interface PlatformStackNames {
  readonly sharedServices: string;
  readonly registry: string;
  readonly network: string;
  readonly gpuCluster: string;
  readonly serving: string;
  readonly training: string;
  readonly stages: Record<string, PromotionStages<string>>;
}

export function defaultStackNames(id: string, props: MlopsPlatformProps): PlatformStackNames {
  const s = props.stacks ?? {};
  return {
    sharedServices: s.sharedServices?.stackName ?? `${id}SharedServices`,
    registry: s.registry?.stackName ?? `${id}Registry`,
    network: s.network?.stackName ?? `${id}Network`,
    gpuCluster: s.gpuCluster?.stackName ?? `${id}GpuCluster`,
    serving: s.serving?.stackName ?? `${id}Serving`,
    training: s.training?.stackName ?? `${id}Training`,
    stages: Object.fromEntries((props.models ?? []).filter(m => m.promotion).map(m => [m.name, {
      staging: m.promotion!.staging.stack?.stackName ?? `${id}${pascalCase(m.name)}Staging`,
      production: m.promotion!.production.stack?.stackName ?? `${id}${pascalCase(m.name)}Production`,
    }])),
  };
}
