/**
 * `npm run check-database -- <environment>`: what a PostgreSQL server leaves open to an
 * environment's tenants (components/data/server-checks.ts), for the servers the platform cannot
 * configure itself (managed ones). Reads the admin's URL from AGENT_CLOUD_DATABASE_ADMIN_URL so
 * the password never sits in shell history; prints one line per finding and exits 1 if any.
 */
import pg from "pg";
import { databaseServerFindings } from "../components/data/server-checks";

async function main(): Promise<number> {
  const environment = process.argv[2];
  const url = process.env.AGENT_CLOUD_DATABASE_ADMIN_URL;
  if (environment === undefined || url === undefined || url === "") {
    console.error(
      "usage: AGENT_CLOUD_DATABASE_ADMIN_URL=postgres://admin:...@host:5432/postgres npm run check-database -- <environment>",
    );
    return 2;
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const findings = await databaseServerFindings(client, environment);
    for (const f of findings) console.log(`${f.check}: ${f.message}`);
    if (findings.length === 0) console.log(`no findings for environment "${environment}"`);
    return findings.length === 0 ? 0 : 1;
  } finally {
    await client.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  },
);
