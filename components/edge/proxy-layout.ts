/**
 * What the proxy's pod looks like from inside: the names of its Kubernetes objects, its ports,
 * its user and where it finds its files. The component (management-proxy.ts) builds the pod from
 * these, and the nginx input (proxy-nginx-input.ts) points nginx at the same paths.
 */

/** Name of the proxy's Deployment, Service and PodDisruptionBudget in its namespace. */
export const PROXY_NAME = "management-proxy";

/** Container ports: unprivileged, so nginx needs no NET_BIND_SERVICE capability. */
export const PROXY_PORTS = { http: 8080, https: 8443, health: 8081 } as const;

/** The `nginx` user of the official image. */
export const PROXY_UID = 101;

/** Where the container finds its files; only `runDir` (an emptyDir) is writable. */
export const PROXY_PATHS = {
  configDir: "/etc/agent-cloud/nginx",
  config: "/etc/agent-cloud/nginx/nginx.conf",
  entrypoint: "/etc/agent-cloud/nginx/entrypoint.sh",
  /** The njs script that refuses a tenant's interim answer (nginx/interim-answers.ts). */
  interimGuard: "/etc/agent-cloud/nginx/interim-guard.js",
  /** The route table's folder: a ConfigMap volume the kubelet updates in place. */
  routesDir: "/etc/agent-cloud/routes",
  routes: "/etc/agent-cloud/routes/routes.conf",
  /** The TLS Secret's folder: the kubelet swaps a renewed certificate in, the entry script reloads. */
  tlsDir: "/etc/agent-cloud/tls",
  certificate: "/etc/agent-cloud/tls/tls.crt",
  key: "/etc/agent-cloud/tls/tls.key",
  runDir: "/tmp/nginx",
  pidFile: "/tmp/nginx/nginx.pid",
  /**
   * The API-key table: the `{PROXY_NAME}-api-keys` Secret, projected into the route table's
   * folder so the entry script takes a new key like a new route (a `*.conf` there changed).
   */
  apiKeyTable: "/etc/agent-cloud/routes/api-keys.conf",
  /** The authenticated-origin-pull CA's folder, when origin pulls are required; watched as `tlsDir`. */
  originPullDir: "/etc/agent-cloud/origin-pull",
  originPullCa: "/etc/agent-cloud/origin-pull/ca.crt",
} as const;

/**
 * Pod-template annotation holding the checksum of the main config and entry script (never of the
 * route table), so a settings change rolls the pods and a tenant change does not.
 */
export const CONFIG_CHECKSUM_ANNOTATION = "agent-cloud.io/nginx-config-sha256";

/** Key of the key table in the `{PROXY_NAME}-api-keys` Secret. */
export const API_KEY_TABLE_FILE = "api-keys.map";

/** The route table's ConfigMap: one stable name, so its pods see every new table in place. */
export const ROUTES_CONFIG_MAP_NAME = `${PROXY_NAME}-routes`;

/** How often the entry script looks for a new route table or certificate, seconds. */
export const ROUTES_POLL_SECONDS = 2;
