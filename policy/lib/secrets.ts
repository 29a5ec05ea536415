/**
 * The pack uses the platform's one secret detector (model/rules/secrets.ts at the repository root), so
 * the pack, the config validation and the build-context scan agree on what a secret is.
 */
export {
  findNestedSecrets,
  findTextSecrets,
  isSecretName,
  secretEntry,
  secretShape,
  type NestedSecret,
} from "../../model/rules/secrets";
