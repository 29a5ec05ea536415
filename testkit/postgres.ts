/**
 * The real PostgreSQL the database suites run against: Debian's server on loopback, started by
 * `scripts/test-postgres.sh` (which `.ci/run` runs). Suites log in as its test superuser and
 * create uniquely named roles and databases, so parallel suites never collide.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

/** Where the test superuser logs in; override with AGENT_CLOUD_TEST_DATABASE_URL. */
export const TEST_POSTGRES_URL =
  process.env.AGENT_CLOUD_TEST_DATABASE_URL ??
  "postgres://agent_cloud_test:agent-cloud-test@127.0.0.1:5432/postgres";

/**
 * Whether the server answers. In CI (CI=true) a missing server is a failure, not a skip: the
 * suites that need it must never pass by not running.
 */
export async function postgresAvailable(): Promise<boolean> {
  // A server that is not running refuses at once; a running one on a busy machine may take a
  // few seconds to fork a backend and log in, and must not be taken for a missing one.
  const client = new pg.Client({
    connectionString: TEST_POSTGRES_URL,
    connectionTimeoutMillis: 15_000,
  });
  try {
    await client.connect();
    return true;
  } catch (error) {
    if (process.env.CI === "true") {
      throw new Error(
        `PostgreSQL is not reachable at ${TEST_POSTGRES_URL.replace(/:[^:@/]+@/, ":***@")}: run scripts/test-postgres.sh (${String(error)})`,
      );
    }
    console.warn("PostgreSQL suites skipped: run scripts/test-postgres.sh to start the server");
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A short random suffix for role and database names that must not collide across runs. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString("hex");
}

/** Runs `fn` with a connected client for `url`, always closing it. */
export async function withClient<T>(
  url: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 15_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
