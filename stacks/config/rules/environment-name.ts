/** The environment name joins tenant ids in resource names, so it may not hold a '-'. */
import { ENVIRONMENT_NAME } from "../../../model/names";
import { configIssue, type ConfigRule } from "./rule";

export const environmentNameIssues: ConfigRule = ({ config, valid }) => {
  if (!valid("environment") || ENVIRONMENT_NAME.test(config.environment)) return [];
  return [
    configIssue(
      "environment",
      config.environment,
      `must be letters and digits only (no '-'): names join it with tenant ids, so "dev" + tenant "team-a" and "dev-team" + tenant "a" would share database sp_dev_team_a, and a tenant namespace could equal another environment's {env}-edge`,
    ),
  ];
};
