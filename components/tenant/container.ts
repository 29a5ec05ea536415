/**
 * The name of the app container in every tenant pod. `ops logs` reads it by this name, so it is
 * a contract between the Deployment and the operations tool: change them together.
 */
export const TENANT_CONTAINER_NAME = "app";
