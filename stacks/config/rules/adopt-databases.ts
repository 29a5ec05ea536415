/** `adoptDatabases`: every entry is a tenant of this stack. */
import { configIssue, type ConfigRule } from "./rule";

export const adoptDatabasesIssues: ConfigRule = ({ config, valid, firstIndexOfId }) => {
  if (!valid("adoptDatabases") || !valid("tenants")) return [];
  return config.adoptDatabases.flatMap((id, index) =>
    firstIndexOfId.has(id)
      ? []
      : [
          configIssue(
            `adoptDatabases[${index}]`,
            id,
            `no tenant has id "${id}"; only a tenant of this stack has a database to take over`,
          ),
        ],
  );
};
