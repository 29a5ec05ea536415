/**
 * The tenants' stand-ins in their own process: one `FakeTenant` server (the edge suite's) per
 * tenant, each on its own loopback address, all on one port as tenant Services are. Loopback
 * 127.0.0.0/8 is all local, so 1,000 tenants get 127.0.1.1 … 127.0.4.250.
 *
 *   upstream-child.ts <port> <id> <id> …
 *
 * Sends `{ ready, addresses }` once every server listens; exits when the parent disconnects,
 * and after ten minutes whatever happens.
 */
import { FakeTenant } from "../testkit/edge/tenants";

/** Loopback address of the i-th (0-based) tenant: 250 per /24, starting at 127.0.1.1. */
function tenantAddress(index: number): string {
  return `127.0.${1 + Math.floor(index / 250)}.${(index % 250) + 1}`;
}

async function main() {
  const [portArg, ...ids] = process.argv.slice(2);
  const port = Number(portArg);
  const tenants = ids.map((id, i) => new FakeTenant(id, tenantAddress(i), port));
  for (const tenant of tenants) await tenant.start();
  process.send?.({ ready: true, addresses: Object.fromEntries(tenants.map((t) => [t.id, t.ip])) });
}

setTimeout(() => process.exit(0), 10 * 60_000).unref();
process.on("disconnect", () => process.exit(0));
main().catch((error: unknown) => process.send?.({ error: String(error) }));
