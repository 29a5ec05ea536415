/**
 * Which env names a tenant may set: none the platform sets itself ({@link PLATFORM_ENV}), and no
 * name both as plain env and as a secret (two values for one variable). The one rule the config
 * validation (stacks/config/parse.ts) and the tenant component (components/tenant/tenant-app.ts)
 * both apply.
 */
import { PLATFORM_ENV } from "../platform-config";

/** The problem with a tenant env or secret `name` the platform sets itself, or undefined. */
export function reservedEnvProblem(name: string): string | undefined {
  return (PLATFORM_ENV as readonly string[]).includes(name)
    ? `is set by the platform and cannot be overridden (${PLATFORM_ENV.join(", ")})`
    : undefined;
}

/** The problem with a plain env name that is also one of the tenant's secrets. */
export function envSecretClashProblem(tenantId: string): string {
  return `is also set in tenantSecrets.${tenantId}; keep one`;
}

/** One problem, at `env.<NAME>` or `tenantSecrets.<NAME>`. */
export interface TenantEnvProblem {
  readonly field: string;
  readonly message: string;
}

/** Every problem with a tenant's plain env names and secret names; empty when they are fine. */
export function tenantEnvProblems(input: {
  readonly tenantId: string;
  readonly envNames: readonly string[];
  readonly secretNames: readonly string[];
}): TenantEnvProblem[] {
  const problems: TenantEnvProblem[] = [];
  const secretNames = new Set(input.secretNames);
  for (const name of input.envNames) {
    const reserved = reservedEnvProblem(name);
    if (reserved !== undefined) problems.push({ field: `env.${name}`, message: reserved });
    else if (secretNames.has(name)) {
      problems.push({ field: `env.${name}`, message: envSecretClashProblem(input.tenantId) });
    }
  }
  for (const name of secretNames) {
    const reserved = reservedEnvProblem(name);
    if (reserved !== undefined)
      problems.push({ field: `tenantSecrets.${name}`, message: reserved });
  }
  return problems;
}
