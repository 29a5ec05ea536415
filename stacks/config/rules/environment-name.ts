/**
 * The environment name joins tenant ids in resource names, so it may not hold a '-': the one rule
 * in model/rules/environment-name.ts, which SharedDatabase applies too.
 */
import { environmentNameProblems } from "../../../model/rules/environment-name";
import { problemIssues, type ConfigRule } from "./rule";

export const environmentNameIssues: ConfigRule = ({ config, valid }) => {
  if (!valid("environment")) return [];
  return problemIssues(environmentNameProblems(config.environment));
};
