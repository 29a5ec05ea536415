export {
  TenantApp,
  TENANT_APP_TYPE,
  type TenantAppArgs,
  SERVICE_PORT,
  CONFIG_CHECKSUM_ANNOTATION,
  SECRET_CHECKSUM_ANNOTATION,
  AGENT_CONFIG_ENV,
  RESERVED_ENV,
  type TenantAppTransforms,
  resolveTenantAppArgs,
} from "./tenant-app";
export { type DatabasePeer, NON_PUBLIC_RANGES, tenantNetworkPolicySpec } from "./network-policy";
export * from "./labels";
