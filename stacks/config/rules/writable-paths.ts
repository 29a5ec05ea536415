/** Writable paths the app's pods can mount (the rule TenantApp applies too: model/rules). */
import { writablePathProblems } from "../../../model/rules/writable-paths";
import { configIssue, type ConfigRule } from "./rule";

export const writablePathIssues: ConfigRule = ({ config, valid }) => {
  if (!valid("app")) return [];
  return writablePathProblems(config.app.writablePaths).map((problem) =>
    configIssue("app.writablePaths", config.app.writablePaths, problem),
  );
};
