import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { POOL_LABEL, TEAM_NAMESPACE_LABEL } from './labels';

/**
 * Prefix of the namespace labels that list the pools a team may use: a team namespace carries
 * `pool.mlops-stack.io/<pool>: "allowed"` for each pool dedicated to the team and each shared pool.
 */
export const ALLOWED_POOL_LABEL_PREFIX = 'pool.mlops-stack.io/';

/** Name of the ValidatingAdmissionPolicy (and its binding) that {@link PoolTenancyPolicy} creates. */
export const POOL_TENANCY_POLICY_NAME = 'mlops-stack-pool-tenancy';

/**
 * The admission rule that makes pool tenancy hold for pods a team writes itself (an InferenceService's
 * predictor, a pod of a Job that bypassed the library): in a team namespace, a pod may tolerate the pool taint
 * `mlops-stack.io/pool=<name>` only for a pool the namespace lists as allowed (the team's own and shared pools),
 * and may not tolerate every taint. Without the toleration a pod cannot land on a pool at all, so a team's pods
 * run only on nodes billed to the team or to the platform.
 *
 * One `ValidatingAdmissionPolicy` and its binding (admissionregistration.k8s.io/v1, Kubernetes 1.30 or later);
 * `GpuTeam` adds it once per app, in the chart of the first team. Kueue's own flavor tolerations pass, since a
 * team's flavors are of its allowed pools.
 *
 * @see https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/
 */
export class PoolTenancyPolicy extends Construct {
  /** The CEL expressions the policy evaluates against each pod, with the message of each. */
  public static readonly VALIDATIONS: ReadonlyArray<{ readonly expression: string; readonly message: string }> = [
    {
      expression: "!has(object.spec.tolerations) || object.spec.tolerations.all(t, (has(t.key) && t.key != '') || !has(t.operator) || t.operator != 'Exists')",
      message: 'pods in team namespaces may not tolerate every taint: name the taints they tolerate',
    },
    {
      expression: `!has(object.spec.tolerations) || object.spec.tolerations.all(t, !has(t.key) || t.key != '${POOL_LABEL}' || ` +
        `(has(t.value) && (!has(t.operator) || t.operator == 'Equal') && ('${ALLOWED_POOL_LABEL_PREFIX}' + t.value) in namespaceObject.metadata.labels))`,
      message: `pods in a team namespace may tolerate ${POOL_LABEL} only for the pools the team may use (its own and shared ones), named one by one`,
    },
  ];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    new ApiObject(this, 'Policy', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: POOL_TENANCY_POLICY_NAME },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }],
        },
        validations: PoolTenancyPolicy.VALIDATIONS.map(v => ({ expression: v.expression, message: v.message })),
      },
    });
    new ApiObject(this, 'Binding', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: POOL_TENANCY_POLICY_NAME },
      spec: {
        policyName: POOL_TENANCY_POLICY_NAME,
        validationActions: ['Deny'],
        matchResources: { namespaceSelector: { matchLabels: { [TEAM_NAMESPACE_LABEL]: 'true' } } },
      },
    });
  }
}
