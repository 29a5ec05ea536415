/**
 * The providers' resource type tokens, spelled once and keyed by the class name their SDK gives
 * the resource (`KUBERNETES.Deployment` is `k8s.apps.v1.Deployment`). Tests import them through
 * testkit/type-tokens.ts; the mocks harness imports this file alone, so it loads no component.
 */

/** `@pulumi/kubernetes`, including the cert-manager and Helm kinds the certificate modes use. */
export const KUBERNETES = {
  Namespace: "kubernetes:core/v1:Namespace",
  NamespacePatch: "kubernetes:core/v1:NamespacePatch",
  ConfigMap: "kubernetes:core/v1:ConfigMap",
  Secret: "kubernetes:core/v1:Secret",
  Service: "kubernetes:core/v1:Service",
  Pod: "kubernetes:core/v1:Pod",
  ResourceQuota: "kubernetes:core/v1:ResourceQuota",
  LimitRange: "kubernetes:core/v1:LimitRange",
  PersistentVolume: "kubernetes:core/v1:PersistentVolume",
  PersistentVolumeClaim: "kubernetes:core/v1:PersistentVolumeClaim",
  Deployment: "kubernetes:apps/v1:Deployment",
  DeploymentPatch: "kubernetes:apps/v1:DeploymentPatch",
  StatefulSet: "kubernetes:apps/v1:StatefulSet",
  DaemonSet: "kubernetes:apps/v1:DaemonSet",
  Job: "kubernetes:batch/v1:Job",
  CronJob: "kubernetes:batch/v1:CronJob",
  HorizontalPodAutoscaler: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  PodDisruptionBudget: "kubernetes:policy/v1:PodDisruptionBudget",
  NetworkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  NetworkPolicyPatch: "kubernetes:networking.k8s.io/v1:NetworkPolicyPatch",
  Ingress: "kubernetes:networking.k8s.io/v1:Ingress",
  Certificate: "kubernetes:cert-manager.io/v1:Certificate",
  ClusterIssuer: "kubernetes:cert-manager.io/v1:ClusterIssuer",
  HelmRelease: "kubernetes:helm.sh/v3:Release",
  /**
   * The schema's generic token for a CRD instance (apiVersion and kind in its properties). The
   * Node.js SDK's `apiextensions.CustomResource` registers `kubernetes:<apiVersion>:<kind>` instead.
   */
  CustomResource: "kubernetes:apiextensions.k8s.io:CustomResource",
  CustomResourcePatch: "kubernetes:apiextensions.k8s.io:CustomResourcePatch",
} as const;

/** `@pulumi/random`. */
export const RANDOM = {
  RandomPassword: "random:index/randomPassword:RandomPassword",
  RandomString: "random:index/randomString:RandomString",
  RandomBytes: "random:index/randomBytes:RandomBytes",
} as const;

/** `@pulumi/tls`. */
export const TLS = {
  PrivateKey: "tls:index/privateKey:PrivateKey",
  SelfSignedCert: "tls:index/selfSignedCert:SelfSignedCert",
  CertRequest: "tls:index/certRequest:CertRequest",
  LocallySignedCert: "tls:index/locallySignedCert:LocallySignedCert",
} as const;

/** `@pulumi/postgresql`, and its provider resource. */
export const POSTGRESQL = {
  Role: "postgresql:index/role:Role",
  Database: "postgresql:index/database:Database",
  Grant: "postgresql:index/grant:Grant",
  GrantRole: "postgresql:index/grantRole:GrantRole",
  Provider: "pulumi:providers:postgresql",
} as const;

/** `@pulumi/cloudflare`. */
export const CLOUDFLARE = {
  DnsRecord: "cloudflare:index/dnsRecord:DnsRecord",
  CustomHostname: "cloudflare:index/customHostname:CustomHostname",
  CustomHostnameFallbackOrigin:
    "cloudflare:index/customHostnameFallbackOrigin:CustomHostnameFallbackOrigin",
  CertificatePack: "cloudflare:index/certificatePack:CertificatePack",
  OriginCaCertificate: "cloudflare:index/originCaCertificate:OriginCaCertificate",
} as const;

/** `@pulumi/docker-build`. */
export const DOCKER_BUILD = {
  Image: "docker-build:index:Image",
} as const;

/** The engine's own resources. */
export const PULUMI = {
  Stack: "pulumi:pulumi:Stack",
  StackReference: "pulumi:pulumi:StackReference",
} as const;
