/**
 * The tenants' stand-ins in their own process: one lean server (bench/lean-tenant.ts, answering
 * what nginx's `return 200` floor answers) per tenant, each on its own loopback address, all on
 * one port as tenant Services are. Loopback 127.0.0.0/8 is all local, so 1,000 tenants get
 * 127.0.1.1 … 127.0.4.250.
 *
 *   upstream-child.ts <port> <first> <id> <id> …
 *
 * `<first>` is the fleet index of the first id here (the bench splits a large fleet over
 * several processes), so every tenant keeps the same address whichever process serves it.
 *
 * Sends `{ ready, addresses }` once every server listens; exits when the parent disconnects,
 * and after ten minutes whatever happens.
 */
import { startLeanTenant } from "./lean-tenant";

/** Loopback address of the i-th (0-based) tenant: 250 per /24, starting at 127.0.1.1. */
function tenantAddress(index: number): string {
  return `127.0.${1 + Math.floor(index / 250)}.${(index % 250) + 1}`;
}

async function main() {
  const [portArg, firstArg, ...ids] = process.argv.slice(2);
  const port = Number(portArg);
  const first = Number(firstArg);
  const addresses: Record<string, string> = {};
  for (const [index, id] of ids.entries()) {
    addresses[id] = tenantAddress(first + index);
    await startLeanTenant(id, addresses[id], port);
  }
  process.send?.({ ready: true, addresses });
}

setTimeout(() => process.exit(0), 10 * 60_000).unref();
process.on("disconnect", () => process.exit(0));
main().catch((error: unknown) => process.send?.({ error: String(error) }));
