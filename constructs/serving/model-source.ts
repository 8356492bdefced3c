import { CfnParameter, Stack } from 'aws-cdk-lib';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import type { IConstruct } from 'constructs';
import { validationError } from '../private/errors';

/**
 * The parts of a registry model an endpoint serves. A {@link RegisteredModel} of a `ModelRegistry` is one; for
 * a registry imported from another stack, give the same names (`ecr.Repository.fromRepositoryAttributes` for
 * the repository).
 */
export interface ServableModel {
  /** The model's name in the registry. */
  readonly name: string;
  /** The S3 key prefix of the model's artifacts in the registry bucket, ending in `/`. */
  readonly artifactsPrefix: string;
  /** The model's image repository. */
  readonly repository: ecr.IRepository;
  /** The name of the model's package group. */
  readonly modelPackageGroupName: string;
  /** The ARN of the model's package group. */
  readonly modelPackageGroupArn: string;
}

/** The kind of a {@link ModelSource}. */
export enum ModelSourceKind {
  /** An image of the model's repository plus artifacts under its prefix. */
  IMAGE = 'IMAGE',
  /** A version of the model's package group. */
  MODEL_PACKAGE = 'MODEL_PACKAGE',
}

/** Options of an image source. */
export interface ImageSourceOptions {
  /**
   * Key of the artifact archive (`.tar.gz`) relative to the model's artifacts prefix, e.g. `v3/model.tar.gz`.
   *
   * @default - no artifacts: the image holds the model
   */
  readonly artifactsKey?: string;

  /**
   * Environment variables of the serving container. Not for secrets: they are visible in the model's
   * description.
   *
   * @default - none
   */
  readonly environment?: Record<string, string>;
}

/** What SageMaker accepts as the ARN of a package version; CloudFormation matches an `AllowedPattern` whole. */
const MODEL_PACKAGE_ARN_PATTERN = 'arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:model-package/[^/]+/[0-9]+';

/**
 * What a variant serves: an image of the model's ECR repository (by tag or digest) with artifacts under the
 * model's prefix, or an approved version of the model's package group.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContainerDefinition.html
 */
export class ModelSource {
  /**
   * The image tagged `tag` in the model's repository. The registry's repositories have immutable tags, so a tag
   * names one image for good.
   */
  public static imageTag(tag: string, options: ImageSourceOptions = {}): ModelSource {
    return new ModelSource(ModelSourceKind.IMAGE, { tag, ...options });
  }

  /** The image with digest `digest` (`sha256:<64 hex>`) in the model's repository. */
  public static imageDigest(digest: string, options: ImageSourceOptions = {}): ModelSource {
    return new ModelSource(ModelSourceKind.IMAGE, { digest, ...options });
  }

  /**
   * A version of the model's package group: a version number, or the full ARN of a version
   * (`arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>`). SageMaker creates models only
   * from versions whose approval status is `Approved`.
   *
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-registry-approve.html
   */
  public static modelPackage(version: number | string): ModelSource {
    return new ModelSource(ModelSourceKind.MODEL_PACKAGE, { version });
  }

  /**
   * A version of the model's package group given at deploy time: the ARN comes from a CloudFormation parameter
   * of the endpoint's stack, named `parameterName`, so that one synthesized template deploys any approved
   * version (a `ModelPromotion` pipeline passes the approved package's ARN as that parameter). Endpoints of
   * the same stack share the parameter.
   *
   * @param scope a construct of the endpoint's stack
   * @param parameterName the parameter's logical ID: 1 to 255 letters and digits
   * @default parameterName 'ModelPackageArn'
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
   */
  public static modelPackageParameter(scope: IConstruct, parameterName: string = 'ModelPackageArn'): ModelSource {
    if (!/^[A-Za-z0-9]{1,255}$/.test(parameterName)) {
      throw validationError(scope, `parameterName ("${parameterName}") must be 1 to 255 letters and digits, as CloudFormation logical IDs are; ` +
        'use a name such as ModelPackageArn');
    }
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(parameterName);
    if (existing !== undefined && !(existing instanceof CfnParameter)) {
      throw validationError(scope, `parameterName ("${parameterName}") is already the id of ${existing.node.path}, which is not a parameter; choose another name`);
    }
    const parameter = existing ?? new CfnParameter(stack, parameterName, {
      type: 'String',
      description: 'ARN of the approved model package version to serve',
      allowedPattern: MODEL_PACKAGE_ARN_PATTERN,
      constraintDescription: 'must be the ARN of a versioned model package, arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>',
    });
    return new ModelSource(ModelSourceKind.MODEL_PACKAGE, { version: parameter.valueAsString, parameterName });
  }

  private constructor(
    /** Image or model package. */
    public readonly kind: ModelSourceKind,
    /** @internal */
    public readonly _spec: {
      readonly tag?: string;
      readonly digest?: string;
      readonly version?: number | string;
      readonly artifactsKey?: string;
      readonly environment?: Record<string, string>;
      readonly parameterName?: string;
    },
  ) {}

  /** The name of the CloudFormation parameter that gives the package ARN, for {@link ModelSource.modelPackageParameter}. */
  public get parameterName(): string | undefined {
    return this._spec.parameterName;
  }
}
