export {
  SharedDatabase,
  SHARED_DATABASE_TYPE,
  type SharedDatabaseArgs,
  type InClusterDatabaseArgs,
  type ExternalDatabaseArgs,
  type DatabaseTenant,
  POSTGRES_SERVICE,
} from "./shared-database";
export { databaseUrl, type SslMode } from "./database-url";
