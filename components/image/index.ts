export { AppImage, APP_IMAGE_TYPE, type AppImageArgs } from "./app-image";
export {
  scanContext,
  assertNoSecretsInContext,
  SecretsInContextError,
  type SecretFinding,
} from "./scan-context";
