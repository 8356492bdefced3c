import { KubectlV35Layer } from '@aws-cdk/lambda-layer-kubectl-v35';
import { Annotations, Aws, type CfnElement, CfnResource, Duration, Names, RemovalPolicy, Size, Stack, Tags, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import type * as cdk8s from 'cdk8s';
import { Construct, type IConstruct } from 'constructs';
import { KarpenterInterruptionQueue } from './karpenter-interruption-queue';
import { karpenterControllerStatements } from './private/karpenter-controller-policy';
import { kueueConfiguration, type KueueSettings } from './private/kueue-configuration';
import { chartVersionProblems, clusterNameProblems, endpointCidrProblems, minimumVersionProblems, nodeGroupSizeProblems } from './private/validation';
import { AMI_FAMILY_LABEL, NVIDIA_GPU_RESOURCE, POOL_LABEL, RETAIN_ANNOTATION } from '../k8s/labels';
import { throwIfProblems, validationError } from '../private/errors';
import { addEncryptedFlowLogs, allowLogsService } from '../private/flow-logs';

export type { KueueSettings } from './private/kueue-configuration';

/**
 * Who can reach the Kubernetes API server endpoint of a {@link GpuCluster}.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html
 */
export class ClusterEndpoint {
  /**
   * Reachable only from inside the VPC (and networks peered or connected to it). The default.
   */
  public static privateOnly(): ClusterEndpoint {
    return new ClusterEndpoint([], false);
  }

  /**
   * Reachable from inside the VPC, and from the internet only from the given IPv4 CIDR blocks (office, VPN or
   * CI egress ranges). Nodes still reach the API privately.
   *
   * @param cidrs IPv4 CIDR blocks allowed to reach the public endpoint (at most 40)
   * @param options `allowAnyIpv4: true` is required to list `0.0.0.0/0`
   */
  public static publicAndPrivate(cidrs: string[], options: PublicEndpointOptions = {}): ClusterEndpoint {
    return new ClusterEndpoint([...cidrs], options.allowAnyIpv4 ?? false, true);
  }

  /** CIDR blocks allowed to reach the public endpoint; empty when the endpoint is private only. */
  public readonly publicCidrs: string[];

  /** Whether `0.0.0.0/0` was explicitly allowed. */
  public readonly allowAnyIpv4: boolean;

  /** Whether the endpoint has a public side. */
  public readonly isPublic: boolean;

  private constructor(publicCidrs: string[], allowAnyIpv4: boolean, isPublic = false) {
    this.publicCidrs = publicCidrs;
    this.allowAnyIpv4 = allowAnyIpv4;
    this.isPublic = isPublic;
  }
}

/**
 * Options of {@link ClusterEndpoint.publicAndPrivate}.
 */
export interface PublicEndpointOptions {
  /**
   * Allow `0.0.0.0/0` among the CIDR blocks: the API server (still authenticated) is then reachable from the
   * whole internet. Synthesis warns (`mlops-stack:public-endpoint`).
   *
   * @default false
   */
  readonly allowAnyIpv4?: boolean;
}

/**
 * The on-demand node group that runs cluster add-ons (Karpenter, CoreDNS, Kueue, the Pod Identity agent).
 * GPU work runs on nodes Karpenter launches, never here.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html
 */
export interface SystemNodeGroupOptions {
  /**
   * Instance types, all of one CPU architecture. Two or more give EKS room when one type is short.
   *
   * @default - m7i.large and m6i.large
   */
  readonly instanceTypes?: ec2.InstanceType[];

  /**
   * Fewest nodes. At least 1; 2 keeps Karpenter's two replicas on separate nodes.
   *
   * @default 2
   */
  readonly minSize?: number;

  /**
   * Nodes at creation.
   *
   * @default - minSize
   */
  readonly desiredSize?: number;

  /**
   * Most nodes.
   *
   * @default 3
   */
  readonly maxSize?: number;

  /**
   * Size of the encrypted gp3 root volume of each node.
   *
   * @default Size.gibibytes(50)
   */
  readonly rootVolumeSize?: Size;
}

/**
 * Helm chart versions a {@link GpuCluster} installs. Each is an exact semantic version.
 */
export interface GpuClusterChartVersions {
  /**
   * Karpenter chart (`oci://public.ecr.aws/karpenter/karpenter`).
   *
   * @see https://karpenter.sh/docs/upgrading/compatibility/
   * @default GpuCluster.DEFAULT_CHART_VERSIONS.karpenter
   */
  readonly karpenter?: string;

  /**
   * Kueue chart (`oci://registry.k8s.io/kueue/charts/kueue`).
   *
   * @see https://kueue.sigs.k8s.io/docs/installation/
   * @default GpuCluster.DEFAULT_CHART_VERSIONS.kueue
   */
  readonly kueue?: string;

  /**
   * NVIDIA device plugin chart (`https://nvidia.github.io/k8s-device-plugin`).
   *
   * @see https://github.com/NVIDIA/k8s-device-plugin
   * @default GpuCluster.DEFAULT_CHART_VERSIONS.nvidiaDevicePlugin
   */
  readonly nvidiaDevicePlugin?: string;
}

/**
 * Properties of a {@link GpuCluster}.
 */
export interface GpuClusterProps {
  /**
   * The VPC. The cluster, its nodes and Karpenter's nodes use its private subnets, which are tagged for
   * Karpenter discovery when they are defined in this app (imported subnets must be tagged by hand; synthesis
   * warns).
   *
   * @default - a new VPC over 3 availability zones with one NAT gateway and flow logs
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Name of the EKS cluster. Must be known at synth time: it keys the IAM conditions of the Karpenter
   * controller and is handed to Kubernetes charts as a plain string.
   *
   * @default - derived from the construct path
   */
  readonly clusterName?: string;

  /**
   * Kubernetes version. The kubectl layer applying charts is v1.35; keep within one minor version of it.
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html
   * @default eks.KubernetesVersion.V1_35
   */
  readonly kubernetesVersion?: eks.KubernetesVersion;

  /**
   * Who can reach the API server endpoint.
   *
   * @default ClusterEndpoint.privateOnly()
   */
  readonly endpoint?: ClusterEndpoint;

  /**
   * KMS key for envelope encryption of Kubernetes secrets.
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/envelope-encryption.html
   * @default - a new customer managed key with yearly rotation
   */
  readonly secretsEncryptionKey?: kms.IKey;

  /**
   * How long control plane logs (all five types) are kept.
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly controlPlaneLogRetention?: logs.RetentionDays;

  /**
   * The system node group.
   *
   * @default - see SystemNodeGroupOptions
   */
  readonly systemNodeGroup?: SystemNodeGroupOptions;

  /**
   * Helm chart versions.
   *
   * @default GpuCluster.DEFAULT_CHART_VERSIONS
   */
  readonly chartVersions?: GpuClusterChartVersions;

  /**
   * How Kueue treats team work: which Jobs it holds without a queue label, and how long an admitted workload
   * may wait for its pods before it is requeued.
   *
   * @default - see KueueSettings
   */
  readonly kueue?: KueueSettings;

  /**
   * Customer-managed KMS key that the node pools' `volumeKmsKeyId` names. The Karpenter controller gets the
   * EC2-only grants EBS needs to encrypt the volumes of the nodes it launches; without them a node with such a
   * volume terminates at launch. `addWorkloadChart` refuses a chart whose node classes name a key when none is
   * given here.
   *
   * @default - node volumes use the account's default EBS key, which needs no grant
   * @see https://karpenter.sh/docs/troubleshooting/#node-terminates-before-ready-on-failed-encrypted-ebs-volume
   */
  readonly nodeVolumeEncryptionKey?: kms.IKey;

  /**
   * What happens to the stateful resources this construct creates when they leave the stack: the cluster, its
   * secrets key, the control plane log group and its key, and (when no `vpc` is given) the flow-log group and its key.
   * `RETAIN` or `DESTROY`; `SNAPSHOT` is refused (none of them can be snapshotted).
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Options of {@link GpuCluster.addWorkloadChart}.
 */
export interface WorkloadChartOptions {
  /**
   * Delete objects that leave the chart on the next deploy (kubectl apply --prune). Namespaces marked to be
   * retained (team namespaces by default) are never pruned.
   *
   * @default true
   */
  readonly prune?: boolean;
}

/** Namespace and service account of the Karpenter controller (Karpenter's documented defaults). */
const KARPENTER_NAMESPACE = 'kube-system';
const KARPENTER_SERVICE_ACCOUNT = 'karpenter';
/** Minor version of the kubectl in `@aws-cdk/lambda-layer-kubectl-v35`. */
const KUBECTL_LAYER_MINOR = 35;

/**
 * An EKS cluster for GPU work: Karpenter launches GPU nodes on demand (spot first, by the node pools given to
 * it) and handles interruptions; the NVIDIA device plugin exposes `nvidia.com/gpu`; Kueue queues and shares
 * GPU quota between teams.
 *
 * - Control plane: private subnets, all five log types into a KMS-encrypted log group, secrets envelope
 *   encryption, endpoint private (or public only from given CIDRs), `karpenter.sh/discovery` tags on the private
 *   subnets and the cluster security group.
 * - System node group: small, on-demand, IMDSv2 only (hop limit 1, so pods cannot borrow the node's role),
 *   encrypted gp3 root volumes.
 * - Karpenter (Helm, pinned) with its identity from EKS Pod Identity, the documented least-privilege
 *   controller policy, a node role with an access entry, and the interruption queue.
 *
 * Built on `aws-eks-v2` rather than `aws-eks`: it creates a native `AWS::EKS::Cluster` (no nested stacks or
 * custom resource for the cluster itself, so CloudFormation sees drift and tags propagate), uses access
 * entries instead of the aws-auth ConfigMap (node and admin access are IAM resources, not a shared ConfigMap
 * patched by kubectl), and supports Pod Identity, which needs no OIDC provider. The kubectl provider it
 * still creates is only for the Helm charts and manifests applied here.
 *
 * Kubernetes objects from cdk8s charts (node pools, queues) go in with {@link addWorkloadChart}, after the
 * CRDs they use.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/what-is-eks.html
 * @see https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/
 */
export class GpuCluster extends Construct {
  /** Chart versions installed when `chartVersions` does not say otherwise. */
  public static readonly DEFAULT_CHART_VERSIONS: Required<GpuClusterChartVersions> = {
    karpenter: '1.14.1',
    kueue: '0.19.2',
    nvidiaDevicePlugin: '0.18.2',
  };

  /** The tag key Karpenter's `EC2NodeClass` selectors use to find subnets and security groups. */
  public static readonly DISCOVERY_TAG_KEY = 'karpenter.sh/discovery';

  /** The EKS cluster. */
  public readonly cluster: eks.Cluster;

  /** The VPC the cluster runs in. */
  public readonly vpc: ec2.IVpc;

  /** Name of the cluster, a plain string (for charts: Karpenter settings, EC2NodeClass). */
  public readonly clusterName: string;

  /** Value of the `karpenter.sh/discovery` tag on the private subnets and cluster security group. */
  public readonly discoveryTagValue: string;

  /** Role of the nodes Karpenter launches (for `EC2NodeClass.spec.role`). */
  public readonly nodeRole: iam.IRole;

  /** Name of {@link nodeRole}, a plain string. */
  public readonly nodeRoleName: string;

  /** Role the Karpenter controller assumes through EKS Pod Identity. */
  public readonly controllerRole: iam.IRole;

  /** The interruption queue Karpenter reads. */
  public readonly interruptionQueue: KarpenterInterruptionQueue;

  /** The system node group. */
  public readonly systemNodeGroup: eks.Nodegroup;

  /** The Karpenter CRD Helm release (NodePool, NodeClaim, EC2NodeClass). */
  public readonly karpenterCrdChart: eks.HelmChart;

  /** The Karpenter controller Helm release; installed after {@link karpenterCrdChart}. */
  public readonly karpenterChart: eks.HelmChart;

  /** The Kueue Helm release (installs the Kueue CRDs and webhooks). */
  public readonly kueueChart: eks.HelmChart;

  /** The NVIDIA device plugin Helm release. */
  public readonly nvidiaDevicePluginChart: eks.HelmChart;

  /** The Kueue controller configuration given to the chart (`managerConfig.controllerManagerConfigYaml`). */
  public readonly kueueConfiguration: Record<string, unknown>;

  /** The customer-managed key of node volumes, when one was given. */
  public readonly nodeVolumeEncryptionKey?: kms.IKey;

  constructor(scope: Construct, id: string, props: GpuClusterProps = {}) {
    super(scope, id);
    const versions = { ...GpuCluster.DEFAULT_CHART_VERSIONS, ...props.chartVersions };
    const endpoint = props.endpoint ?? ClusterEndpoint.privateOnly();
    const nodes = props.systemNodeGroup ?? {};
    const instanceTypes = nodes.instanceTypes ?? [new ec2.InstanceType('m7i.large'), new ec2.InstanceType('m6i.large')];
    const minSize = nodes.minSize ?? 2;
    const maxSize = nodes.maxSize ?? 3;
    const desiredSize = nodes.desiredSize ?? minSize;
    const rootVolumeSize = nodes.rootVolumeSize ?? Size.gibibytes(50);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    // Validate everything first, and report every problem at once.
    const problems: string[] = [];
    if (props.clusterName !== undefined) {
      if (Token.isUnresolved(props.clusterName)) {
        problems.push('clusterName must be a plain string, not a token: it keys IAM conditions and is passed to Kubernetes charts');
      } else {
        problems.push(...clusterNameProblems(props.clusterName));
      }
    }
    for (const [name, version] of Object.entries(versions)) {
      problems.push(...chartVersionProblems(`chartVersions.${name}`, version));
    }
    // The charts of this library use Karpenter's v1 API (karpenter.sh/v1), which 0.x releases do not serve.
    problems.push(...minimumVersionProblems('chartVersions.karpenter', versions.karpenter, 1, 'Karpenter 1.0 is the first release with the karpenter.sh/v1 NodePool API the node pools use'));
    if (removalPolicy === RemovalPolicy.SNAPSHOT) {
      problems.push('removalPolicy (snapshot) is not supported: the cluster, its keys and log groups cannot be snapshotted; use ' +
        'RemovalPolicy.RETAIN (the default) or RemovalPolicy.DESTROY');
    }
    const kueueProblems = kueueConfiguration(props.kueue ?? {});
    problems.push(...kueueProblems.problems);
    if (endpoint.isPublic) {
      if (endpoint.publicCidrs.length === 0) {
        problems.push('endpoint: ClusterEndpoint.publicAndPrivate() got no CIDR blocks; list the ranges that need the ' +
          'public endpoint, or use ClusterEndpoint.privateOnly()');
      }
      if (endpoint.publicCidrs.length > 40) {
        problems.push(`endpoint: ${endpoint.publicCidrs.length} CIDR blocks given; EKS allows at most 40`);
      }
      endpoint.publicCidrs.forEach((cidr, i) => {
        if (!Token.isUnresolved(cidr)) {
          problems.push(...endpointCidrProblems(`endpoint.publicCidrs[${i}]`, cidr, endpoint.allowAnyIpv4));
        }
      });
    }
    problems.push(...nodeGroupSizeProblems('systemNodeGroup', minSize, desiredSize, maxSize));
    if (instanceTypes.length === 0) {
      problems.push('systemNodeGroup.instanceTypes is empty; give at least one instance type, e.g. m7i.large');
    }
    const architectures = new Set(instanceTypes.map(t => t.architecture));
    if (architectures.size > 1) {
      problems.push(`systemNodeGroup.instanceTypes (${instanceTypes.join(', ')}) mix CPU architectures; one node group ` +
        'runs one AMI, so use all x86_64 or all arm64 types');
    }
    if (!Token.isUnresolved(rootVolumeSize.toGibibytes()) && rootVolumeSize.toGibibytes() < 20) {
      problems.push(`systemNodeGroup.rootVolumeSize (${rootVolumeSize.toGibibytes()} GiB) must be at least 20 GiB, the EKS AMI's own size`);
    }
    throwIfProblems(this, 'invalid GpuCluster properties', problems);

    const version = props.kubernetesVersion ?? eks.KubernetesVersion.V1_35;
    const minor = /^1\.(\d+)$/.exec(version.version)?.[1];
    if (minor !== undefined && Math.abs(Number(minor) - KUBECTL_LAYER_MINOR) > 1) {
      Annotations.of(this).addWarningV2('mlops-stack:kubectl-version-skew',
        `kubernetesVersion ${version.version} is more than one minor version from the kubectl layer (1.${KUBECTL_LAYER_MINOR}) ` +
        'that applies the Helm charts and manifests; kubectl supports one minor version of skew, so chart installs may fail.');
    }
    if (endpoint.isPublic && endpoint.allowAnyIpv4) {
      Annotations.of(this).addWarningV2('mlops-stack:public-endpoint',
        'The Kubernetes API endpoint is reachable from any IPv4 address (0.0.0.0/0). It still requires IAM ' +
        'authentication, but limiting it to known ranges removes it from internet scans.');
    }

    this.clusterName = props.clusterName ?? Names.uniqueResourceName(this, { maxLength: 100, separator: '-' });
    this.discoveryTagValue = this.clusterName;

    this.vpc = props.vpc ?? this.createVpc(removalPolicy);
    const privateSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    const selected = this.vpc.selectSubnets(privateSubnets);

    const secretsKey = props.secretsEncryptionKey ?? new kms.Key(this, 'SecretsKey', {
      description: `Envelope encryption of Kubernetes secrets in EKS cluster ${this.clusterName}`,
      enableKeyRotation: true,
      removalPolicy,
    });

    // EKS writes control plane logs to this fixed group name; creating it first gives it a retention and a KMS
    // key instead of EKS's unencrypted, never-expiring default.
    const logsKey = new kms.Key(this, 'LogsKey', {
      description: `Encrypts the control plane logs of EKS cluster ${this.clusterName}`,
      enableKeyRotation: true,
      removalPolicy,
    });
    allowLogsService(logsKey);
    const controlPlaneLogs = new logs.LogGroup(this, 'ControlPlaneLogs', {
      logGroupName: `/aws/eks/${this.clusterName}/cluster`,
      retention: props.controlPlaneLogRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: logsKey,
      removalPolicy,
    });

    const endpointAccess = endpoint.isPublic
      ? eks.EndpointAccess.PUBLIC_AND_PRIVATE.onlyFrom(...endpoint.publicCidrs)
      : eks.EndpointAccess.PRIVATE;

    this.cluster = new eks.Cluster(this, 'Cluster', {
      clusterName: this.clusterName,
      version,
      vpc: this.vpc,
      vpcSubnets: [privateSubnets],
      endpointAccess,
      secretsEncryptionKey: secretsKey,
      clusterLogging: [
        eks.ClusterLoggingTypes.API,
        eks.ClusterLoggingTypes.AUDIT,
        eks.ClusterLoggingTypes.AUTHENTICATOR,
        eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
        eks.ClusterLoggingTypes.SCHEDULER,
      ],
      // Classic managed capacity, not Auto Mode: Karpenter here is ours to configure (GPU pools, spot
      // strategies, Kueue), which Auto Mode's built-in Karpenter does not allow.
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
      defaultCapacity: 0,
      tags: { [GpuCluster.DISCOVERY_TAG_KEY]: this.discoveryTagValue },
      kubectlProviderOptions: {
        kubectlLayer: new KubectlV35Layer(this, 'KubectlLayer'),
        // The endpoint may be private: the kubectl handler runs in the private subnets to reach it.
        privateSubnets: selected.subnets,
      },
    });
    const cfnCluster = this.cluster.node.defaultChild as CfnResource;
    cfnCluster.node.addDependency(controlPlaneLogs);
    cfnCluster.applyRemovalPolicy(removalPolicy);

    this.tagForDiscovery(selected.subnets);

    this.systemNodeGroup = this.addSystemNodeGroup(instanceTypes, minSize, desiredSize, maxSize, rootVolumeSize);

    // Karpenter: node role, controller identity and policy, interruption queue.
    this.nodeRoleName = Names.uniqueResourceName(this, { maxLength: 64 - '-KarpenterNode'.length, separator: '-' }) + '-KarpenterNode';
    const nodeRole = new iam.Role(this, 'KarpenterNodeRole', {
      roleName: this.nodeRoleName,
      description: `Nodes that Karpenter launches for EKS cluster ${this.clusterName}`,
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEKSWorkerNodePolicy'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEKS_CNI_Policy'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEC2ContainerRegistryPullOnly'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
      ],
    });
    this.nodeRole = nodeRole;
    new eks.AccessEntry(this, 'KarpenterNodeAccess', {
      cluster: this.cluster,
      principal: nodeRole.roleArn,
      accessEntryType: eks.AccessEntryType.EC2_LINUX,
      accessPolicies: [],
    });

    this.interruptionQueue = new KarpenterInterruptionQueue(this, 'InterruptionQueue');

    const controllerRole = new iam.Role(this, 'KarpenterControllerRole', {
      description: `Karpenter controller of EKS cluster ${this.clusterName} (EKS Pod Identity)`,
      assumedBy: new iam.SessionTagsPrincipal(new iam.ServicePrincipal('pods.eks.amazonaws.com')),
    });
    this.controllerRole = controllerRole;
    this.nodeVolumeEncryptionKey = props.nodeVolumeEncryptionKey;
    const groups = karpenterControllerStatements(this, {
      clusterName: this.clusterName,
      clusterArn: this.cluster.clusterArn,
      nodeRoleArn: nodeRole.roleArn,
      nodeVolumeKeyArn: props.nodeVolumeEncryptionKey?.keyArn,
    });
    for (const [name, statements] of Object.entries(groups)) {
      new iam.ManagedPolicy(this, `KarpenterController${name}Policy`, {
        description: `Karpenter controller of EKS cluster ${this.clusterName}: ${name}`,
        statements,
        roles: [controllerRole],
      });
    }
    this.interruptionQueue.grantConsume(controllerRole);

    const podIdentityAgent = new eks.Addon(this, 'PodIdentityAgent', {
      cluster: this.cluster,
      addonName: 'eks-pod-identity-agent',
    });
    podIdentityAgent.node.addDependency(this.systemNodeGroup);
    const karpenterIdentity = new eks.CfnPodIdentityAssociation(this, 'KarpenterPodIdentity', {
      clusterName: this.cluster.clusterName,
      namespace: KARPENTER_NAMESPACE,
      serviceAccount: KARPENTER_SERVICE_ACCOUNT,
      roleArn: controllerRole.roleArn,
    });

    // Helm installs a chart's crds/ folder on first install only; Karpenter's separate CRD chart keeps the
    // NodePool and EC2NodeClass schemas in step with the controller on every upgrade, as Karpenter recommends.
    this.karpenterCrdChart = this.cluster.addHelmChart('KarpenterCrd', {
      chart: 'karpenter-crd',
      repository: 'oci://public.ecr.aws/karpenter/karpenter-crd',
      version: versions.karpenter,
      release: 'karpenter-crd',
      namespace: KARPENTER_NAMESPACE,
      createNamespace: false,
    });
    this.karpenterChart = this.cluster.addHelmChart('Karpenter', {
      chart: 'karpenter',
      repository: 'oci://public.ecr.aws/karpenter/karpenter',
      version: versions.karpenter,
      release: 'karpenter',
      namespace: KARPENTER_NAMESPACE,
      createNamespace: false,
      wait: true,
      timeout: Duration.minutes(10),
      values: {
        settings: {
          clusterName: this.clusterName,
          interruptionQueue: this.interruptionQueue.queue.queueName,
        },
        serviceAccount: { name: KARPENTER_SERVICE_ACCOUNT },
        controller: {
          // IMDS is out of reach of pods (hop limit 1), so the region cannot be discovered from it.
          env: [{ name: 'AWS_REGION', value: Aws.REGION }],
          resources: {
            requests: { cpu: '1', memory: '1Gi' },
            limits: { cpu: '1', memory: '1Gi' },
          },
        },
      },
    });
    // Karpenter's pods need nodes to run on and credentials before they start.
    this.karpenterChart.node.addDependency(this.karpenterCrdChart, this.systemNodeGroup, podIdentityAgent, karpenterIdentity);
    for (const policy of this.node.children.filter(c => c instanceof iam.ManagedPolicy)) {
      this.karpenterChart.node.addDependency(policy);
    }

    this.kueueChart = this.cluster.addHelmChart('Kueue', {
      chart: 'kueue',
      repository: 'oci://registry.k8s.io/kueue/charts/kueue',
      version: versions.kueue,
      release: 'kueue',
      namespace: 'kueue-system',
      createNamespace: true,
      // ClusterQueues and LocalQueues are admitted by Kueue's webhooks: wait until they serve.
      wait: true,
      timeout: Duration.minutes(10),
      // The chart renders this string into the controller's ConfigMap with fromYaml; JSON is YAML.
      values: { managerConfig: { controllerManagerConfigYaml: JSON.stringify(kueueProblems.configuration, undefined, 2) } },
    });
    this.kueueConfiguration = kueueProblems.configuration;
    this.kueueChart.node.addDependency(this.systemNodeGroup);

    this.nvidiaDevicePluginChart = this.cluster.addHelmChart('NvidiaDevicePlugin', {
      chart: 'nvidia-device-plugin',
      repository: 'https://nvidia.github.io/k8s-device-plugin',
      version: versions.nvidiaDevicePlugin,
      release: 'nvidia-device-plugin',
      namespace: 'kube-system',
      createNamespace: false,
      values: {
        // The chart's default affinity expects Node Feature Discovery labels; Karpenter labels GPU nodes itself.
        // Bottlerocket's NVIDIA variants run their own device plugin: a second one would fight it for the GPUs.
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{
                matchExpressions: [
                  { key: 'karpenter.k8s.aws/instance-gpu-manufacturer', operator: 'In', values: ['nvidia'] },
                  { key: AMI_FAMILY_LABEL, operator: 'NotIn', values: ['bottlerocket'] },
                ],
              }],
            },
          },
        },
        tolerations: [
          { key: NVIDIA_GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' },
          // Every pool taints its nodes with its name; the plugin runs on all of them.
          { key: POOL_LABEL, operator: 'Exists', effect: 'NoSchedule' },
          { key: 'CriticalAddonsOnly', operator: 'Exists' },
        ],
      },
    });
    this.nvidiaDevicePluginChart.node.addDependency(this.systemNodeGroup);

    this.acknowledgeFindings();
  }

  /**
   * Apply a cdk8s chart (node pools, node classes, queues, namespaces) to the cluster, after Karpenter and Kueue
   * are installed so that the CRDs and webhooks its objects need exist.
   *
   * Namespaces annotated `mlops-stack.io/retain: "true"` (every `GpuTeam` namespace unless `retainOnDelete: false`)
   * go into a manifest of their own, applied first, that never prunes and is retained by CloudFormation: removing
   * a team, renaming the chart or deleting the stack leaves the namespace, and the volumes and work in it, in place.
   * Its construct id is `<id>Namespaces`.
   *
   * @param id construct id of the manifest (public API: renaming it re-creates the objects)
   * @param chart the cdk8s chart
   * @returns the manifest of the chart's other objects, to add further dependencies
   */
  public addWorkloadChart(id: string, chart: cdk8s.Chart, options: WorkloadChartOptions = {}): eks.KubernetesManifest {
    const namespacesId = `${id}Namespaces`;
    for (const taken of [id, namespacesId]) {
      if (this.cluster.node.tryFindChild(taken)) {
        throw validationError(this, `addWorkloadChart: id "${taken}" is already used in this cluster; give each chart its own id`);
      }
    }
    const objects: Array<Record<string, any>> = chart.toJson();
    this.checkNodeVolumeKeys(id, objects);
    const retained = objects.filter(o => o.kind === 'Namespace' && o.metadata?.annotations?.[RETAIN_ANNOTATION] === 'true');
    const rest = objects.filter(o => !retained.includes(o));
    const manifest = new eks.KubernetesManifest(this.cluster, id, {
      cluster: this.cluster,
      manifest: rest,
      prune: options.prune ?? true,
    });
    manifest.node.addDependency(this.karpenterChart, this.kueueChart);
    if (retained.length > 0) {
      const namespaces = new eks.KubernetesManifest(this.cluster, namespacesId, {
        cluster: this.cluster,
        manifest: retained,
        // A namespace that leaves the chart is kept, not pruned.
        prune: false,
        overwrite: true,
      });
      // Deleting the stack, or renaming the chart, deletes this resource: CloudFormation keeps the namespaces.
      (namespaces.node.defaultChild as CfnResource).applyRemovalPolicy(RemovalPolicy.RETAIN);
      manifest.node.addDependency(namespaces);
    }
    return manifest;
  }

  /** Node classes that name a KMS key for their volumes need the key's grants on the controller. */
  private checkNodeVolumeKeys(id: string, objects: Array<Record<string, any>>): void {
    const keyIds = new Set<string>(objects.filter(o => o.kind === 'EC2NodeClass')
      .flatMap(o => (o.spec?.blockDeviceMappings ?? []).map((m: any) => m.ebs?.kmsKeyID).filter((k: unknown) => typeof k === 'string')));
    if (keyIds.size === 0) {
      return;
    }
    const key = this.nodeVolumeEncryptionKey;
    if (!key) {
      throw validationError(this, `addWorkloadChart(${id}): node classes encrypt volumes with KMS key ${[...keyIds].join(', ')}, but the ` +
        'cluster has no nodeVolumeEncryptionKey, so Karpenter has no grant on it and every such node would terminate at launch; ' +
        'pass the key as nodeVolumeEncryptionKey');
    }
    const known = [key.keyArn, key.keyId];
    const others = [...keyIds].filter(k => !Token.isUnresolved(k) && !known.some(n => !Token.isUnresolved(n) && n === k));
    if (others.length > 0 && known.every(n => !Token.isUnresolved(n))) {
      throw validationError(this, `addWorkloadChart(${id}): node classes encrypt volumes with KMS key ${others.join(', ')}, which is not ` +
        `the cluster's nodeVolumeEncryptionKey (${key.keyArn}); Karpenter has no grant on it`);
    }
  }

  private createVpc(removalPolicy: RemovalPolicy): ec2.IVpc {
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 3,
      // One NAT gateway: GPU nodes pull large images, but a NAT per zone triples a fixed cost; give your own VPC
      // for zone-independent egress.
      natGateways: 1,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        // Large private subnets: the VPC CNI gives every pod a VPC address.
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 18 },
      ],
    });
    addEncryptedFlowLogs(this, vpc, { description: 'Encrypts the VPC flow logs of a GPU cluster', removalPolicy });
    return vpc;
  }

  private tagForDiscovery(subnets: ec2.ISubnet[]): void {
    for (const subnet of subnets) {
      if (ec2.Subnet.isVpcSubnet(subnet)) {
        Tags.of(subnet).add(GpuCluster.DISCOVERY_TAG_KEY, this.discoveryTagValue);
      } else {
        Annotations.of(this).addWarningV2('mlops-stack:untagged-subnet',
          `Subnet ${Token.isUnresolved(subnet.subnetId) ? '(imported)' : subnet.subnetId} is not defined in this app, ` +
          `so it cannot be tagged "${GpuCluster.DISCOVERY_TAG_KEY}=${this.discoveryTagValue}"; tag it yourself or ` +
          'Karpenter will not launch nodes in it.');
      }
    }
    // EKS creates the cluster security group itself, so CloudFormation cannot tag it: an EC2 CreateTags call
    // scoped to that one group does.
    const sgArn = Stack.of(this).formatArn({ service: 'ec2', resource: 'security-group', resourceName: this.cluster.clusterSecurityGroupId });
    const tagCall = (action: string, params: Record<string, unknown>): cr.AwsSdkCall => ({
      service: 'EC2',
      action,
      parameters: { Resources: [this.cluster.clusterSecurityGroupId], ...params },
      physicalResourceId: cr.PhysicalResourceId.of(`${this.clusterName}-cluster-sg-discovery-tag`),
    });
    new cr.AwsCustomResource(this, 'ClusterSecurityGroupDiscoveryTag', {
      onCreate: tagCall('createTags', { Tags: [{ Key: GpuCluster.DISCOVERY_TAG_KEY, Value: this.discoveryTagValue }] }),
      onUpdate: tagCall('createTags', { Tags: [{ Key: GpuCluster.DISCOVERY_TAG_KEY, Value: this.discoveryTagValue }] }),
      onDelete: tagCall('deleteTags', { Tags: [{ Key: GpuCluster.DISCOVERY_TAG_KEY }] }),
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['ec2:CreateTags', 'ec2:DeleteTags'], resources: [sgArn] }),
      ]),
      installLatestAwsSdk: false,
    });
  }

  private addSystemNodeGroup(instanceTypes: ec2.InstanceType[], minSize: number, desiredSize: number, maxSize: number,
    rootVolumeSize: Size): eks.Nodegroup {
    const arm = instanceTypes[0]?.architecture === ec2.InstanceArchitecture.ARM_64;
    const launchTemplate = new ec2.LaunchTemplate(this, 'SystemNodeLaunchTemplate', {
      requireImdsv2: true,
      // Hop limit 1: containers cannot reach IMDS and borrow the node role; add-ons get credentials from Pod Identity.
      httpPutResponseHopLimit: 1,
      blockDevices: [{
        deviceName: '/dev/xvda',
        volume: ec2.BlockDeviceVolume.ebs(rootVolumeSize.toGibibytes(), {
          encrypted: true,
          volumeType: ec2.EbsDeviceVolumeType.GP3,
          deleteOnTermination: true,
        }),
      }],
    });
    return this.cluster.addNodegroupCapacity('System', {
      instanceTypes,
      capacityType: eks.CapacityType.ON_DEMAND,
      amiType: arm ? eks.NodegroupAmiType.AL2023_ARM_64_STANDARD : eks.NodegroupAmiType.AL2023_X86_64_STANDARD,
      minSize,
      desiredSize,
      maxSize,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplateSpec: { id: launchTemplate.launchTemplateId!, version: launchTemplate.latestVersionNumber },
      labels: { 'mlops-stack.io/node-role': 'system' },
    });
  }

  /**
   * cdk-nag findings on resources this construct creates, each acknowledged with why it is accepted. Each
   * acknowledgement is placed on the narrowest construct that owns the finding.
   */
  private acknowledgeFindings(): void {
    const ack = (scope: IConstruct, reason: string, ...ids: string[]) => {
      for (const id of ids) {
        Validations.of(scope).acknowledge({ id, reason });
      }
    };
    const managed = (name: string) => `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${name}]`;
    const wildcard = (resource: string) => `AwsSolutions-IAM5[Resource::${resource}]`;
    const stack = Stack.of(this);

    ack(this.cluster.node.defaultChild!, 'EncryptionConfig.Resources is how aws-eks-v2 renders secrets envelope ' +
      'encryption; ["secrets"] is the only value EKS accepts and the schema still defines it.',
    'CloudFormation-Validate::W9009');
    ack(this.cluster.role, 'AmazonEKSClusterPolicy is the policy EKS documents for the cluster service role; AWS ' +
      'maintains it as the control plane gains features.', managed('AmazonEKSClusterPolicy'));

    const nodePolicyReason = 'AWS-managed node policies EKS and Karpenter document for worker nodes (join the ' +
      'cluster, assign pod IPs through the VPC CNI, pull images); AWS updates them with the node components.';
    ack(this.systemNodeGroup.role, nodePolicyReason,
      managed('AmazonEKSWorkerNodePolicy'), managed('AmazonEKS_CNI_Policy'), managed('AmazonEC2ContainerRegistryReadOnly'));
    ack(this.nodeRole, `${nodePolicyReason} AmazonSSMManagedInstanceCore gives Session Manager access to GPU nodes ` +
      'instead of SSH keys and open ports.',
    managed('AmazonEKSWorkerNodePolicy'), managed('AmazonEKS_CNI_Policy'), managed('AmazonEC2ContainerRegistryPullOnly'),
    managed('AmazonSSMManagedInstanceCore'));

    const provider = this.cluster.kubectlProvider!;
    const handler = provider.node.findChild('Handler');
    const ecrPublic = stack.getLogicalId(handler.node.findChild('HasEcrPublic') as CfnElement);
    ack(provider, 'The aws-eks-v2 kubectl provider (Lambda in the private subnets) uses the AWS-managed Lambda ' +
      'execution, VPC access and ECR read policies to write its logs, attach to the VPC and pull Helm charts from ' +
      'ECR; aws-cdk-lib owns this provider.',
    managed('service-role/AWSLambdaBasicExecutionRole'), managed('service-role/AWSLambdaVPCAccessExecutionRole'),
    managed('AmazonEC2ContainerRegistryReadOnly'),
    'AwsSolutions-IAM4[Policy::{"Fn::If":["' + ecrPublic + '",{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},' +
      '":iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly"]]},{"Ref":"AWS::NoValue"}]}]');
    ack(provider, 'The custom resource framework invokes any version of its own handler function; the wildcard is ' +
      'the version suffix of that one function ARN.', wildcard(`<${stack.getLogicalId(handler.node.defaultChild as CfnElement)}.Arn>:*`));
    ack(handler, 'aws-cdk-lib pins the kubectl handler to the newest Python runtime it has tested with the kubectl ' +
      'and AWS CLI layers; a newer runtime is not ours to choose.', 'AwsSolutions-L1');

    const sdkProvider = stack.node.tryFindChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
    if (sdkProvider) {
      ack(sdkProvider, 'The aws-cdk-lib AwsCustomResource handler only needs to write its own logs, which ' +
        'AWSLambdaBasicExecutionRole grants.', managed('service-role/AWSLambdaBasicExecutionRole'));
    }

    ack(this.interruptionQueue.queue, 'Karpenter acts on an interruption notice within seconds or not at all; a ' +
      'message it cannot process expires after the 300 s retention Karpenter documents, and a dead-letter queue ' +
      'would only keep stale notices about nodes that are gone.', 'AwsSolutions-SQS3');

    const policy = (name: string) => this.node.findChild(`KarpenterController${name}Policy`);
    // cdk-nag renders the account of an environment-specific stack as the literal account id.
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    const instanceProfiles = wildcard(`arn:<AWS::Partition>:iam::${account}:instance-profile/*`);
    ack(policy('NodeLifecycle'), 'Karpenter chooses images, subnets, security groups, capacity reservations and ' +
      'placement groups at run time from its EC2NodeClass selectors, so their ARNs cannot be listed; as in ' +
      'Karpenter\'s documented policy, every statement that creates, tags or deletes is conditioned on the ' +
      'kubernetes.io/cluster/<name>: owned and karpenter.sh/nodepool tags, so only this cluster\'s instances, ' +
      'volumes, fleets and launch templates are affected.',
    ...['image/*', 'snapshot/*'].map(r => wildcard(`arn:<AWS::Partition>:ec2:<AWS::Region>::${r}`)),
    ...['security-group/*', 'subnet/*', 'capacity-reservation/*', 'placement-group/*', 'launch-template/*', 'fleet/*',
      'instance/*', 'volume/*', 'network-interface/*', 'spot-instances-request/*'].map(r => wildcard(`arn:<AWS::Partition>:ec2:<AWS::Region>:*:${r}`)));
    ack(policy('IamIntegration'), 'Karpenter creates one instance profile per EC2NodeClass with a generated name; ' +
      'create, tag, role changes and deletion are conditioned on the cluster, region and ec2nodeclass tags it sets, ' +
      'as Karpenter documents.', instanceProfiles);
    ack(policy('ResourceDiscovery'), 'EC2 Describe* calls, pricing:GetProducts and iam:ListInstanceProfiles support ' +
      'no resource scoping (the Describe calls are limited to this region); iam:GetInstanceProfile reads the ' +
      'instance profiles Karpenter names itself; ssm:GetParameter is limited to the public /aws/service/ ' +
      'parameters that name EKS-optimized AMIs.',
    wildcard('*'), instanceProfiles, wildcard('arn:<AWS::Partition>:ssm:<AWS::Region>::parameter/aws/service/*'));
    ack(policy('ZonalShift'), 'arc-zonal-shift:GetManagedResource is read-only; as in Karpenter\'s documented policy ' +
      'it is granted on * and limited by the arc-zonal-shift:ResourceIdentifier condition to this cluster\'s ARN.',
    wildcard('*'));
  }
}
