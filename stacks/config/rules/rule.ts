/**
 * What a cross-field config rule reads and returns. Each rule lives in its own file under
 * stacks/config/rules/; when a component enforces it too, the rule calls the one validator both
 * use: in model/rules/, or exported by the component where it rests on what the component
 * renders (a provided certificate's names, the proxy's nginx workers). parseConfig runs them in a
 * fixed order and gathers every issue.
 */
import { showReceived } from "../../../model/rules/config-problem";
import { BUILTIN_PLANS, type Plan } from "../../../model/plans";
import type { ParsedConfig, TenantSettings } from "../../../model/config-schema";
import type { ConfigProblem } from "../../../model/rules/config-problem";
import { type ConfigIssue } from "../errors";
import type { KeyFailures } from "../partial-parse";

/** A parsed tenant and where it sits in the stack file. */
export interface TenantAt {
  readonly tenant: TenantSettings;
  /** Position among the parsed tenants (custom-domain claims are keyed by it). */
  readonly position: number;
  /** Index in the stack file's `tenants` list (differs from position when a tenant failed). */
  readonly index: number;
  /** `tenants[index]`: the path every issue about this tenant starts with. */
  readonly path: string;
}

/** The parsed config as the rules see it. */
export interface RuleContext {
  readonly config: ParsedConfig;
  /**
   * Whether every named top-level key is valid on its own. A rule reading a key that failed the
   * schema is skipped rather than guessed at.
   */
  readonly valid: (...keys: string[]) => boolean;
  /** The built-in plans with the stack's own `plans` over them. */
  readonly plans: Readonly<Record<string, Plan>>;
  readonly tenants: readonly TenantAt[];
  /** Each tenant id, with the stack-file index of the first tenant that has it. */
  readonly firstIndexOfId: ReadonlyMap<string, number>;
}

/** A rule over the whole config. */
export type ConfigRule = (context: RuleContext) => ConfigIssue[];
/** A rule over one tenant; parseConfig runs every tenant rule for a tenant before the next. */
export type TenantRule = (tenant: TenantAt, context: RuleContext) => ConfigIssue[];

/** The context of a config that parsed as a whole, or (with `failures`) key by key. */
export function ruleContext(config: ParsedConfig, failures?: KeyFailures): RuleContext {
  const failed = failures?.failed ?? new Set<string>();
  const tenantIndex = failures?.tenantIndex ?? [];
  const tenants = config.tenants.map((tenant, position) => {
    const index = tenantIndex[position] ?? position;
    return { tenant, position, index, path: `tenants[${index}]` };
  });
  const firstIndexOfId = new Map<string, number>();
  for (const { tenant, index } of tenants) {
    if (!firstIndexOfId.has(tenant.id)) firstIndexOfId.set(tenant.id, index);
  }
  return {
    config,
    valid: (...keys) => keys.every((key) => !failed.has(key)),
    plans: { ...BUILTIN_PLANS, ...config.plans },
    tenants,
    firstIndexOfId,
  };
}

/** One issue, the received value shown as JSON (cut short). */
export function configIssue(path: string, received: unknown, message: string): ConfigIssue {
  return { path, received: showReceived(received), message };
}

/** Issues from a shared rule's problems (model/rules/), each as {@link configIssue} shows it. */
export function problemIssues(problems: readonly ConfigProblem[]): ConfigIssue[] {
  return problems.map((problem) => configIssue(problem.path, problem.received, problem.message));
}

/** An issue about a secret given in clear text: the value itself is never shown. */
export function clearTextIssue(path: string, message: string): ConfigIssue {
  return { path, received: "(clear text)", message };
}
