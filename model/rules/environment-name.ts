/**
 * The environment's name joins tenant ids in every name the platform gives (namespaces, database
 * roles), so it must not contain the separator: the config validation and the data components
 * both apply this rule.
 */
import { ENVIRONMENT_NAME } from "../names";
import type { ConfigProblem } from "./config-problem";

/** A problem when `environment` could make two environments' names collide; empty when fine. */
export function environmentNameProblems(environment: string): ConfigProblem[] {
  if (ENVIRONMENT_NAME.test(environment)) return [];
  return [
    {
      path: "environment",
      received: environment,
      message: `must be letters and digits only (no '-'): names join it with tenant ids, so "dev" + tenant "team-a" and "dev-team" + tenant "a" would share database sp_dev_team_a, and a tenant namespace could equal another environment's {env}-edge`,
    },
  ];
}
