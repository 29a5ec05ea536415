/**
 * A stand-in `pulumi` executable for testing the real AutomationEngine through the real
 * Automation API without the CLI: it logs each invocation (argv, cwd, the AGENT_CLOUD_* env) and
 * answers from a scenario file. It prints secret values only when asked with --show-secrets, so a
 * test can prove the engine never asks.
 */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import * as path from "node:path";

export const SECRET_VALUE = "TOP-SECRET-VALUE";

export interface FakeScenario {
  stacks: string[];
  locked?: boolean;
  loggedOut?: boolean;
  history: unknown[];
  outputs: Record<string, unknown>;
  secretOutputs: string[];
  resources: unknown[];
  previewChanges: Record<string, number>;
  /** Engine events a preview or up writes to the event log before its summary. */
  events?: unknown[];
  /** What `pulumi version` answers. @default v3.200.0 */
  cliVersion?: string;
}

export interface FakeCall {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

const SCRIPT = String.raw`
const fs = require("node:fs");
const dir = process.env.FAKE_PULUMI_DIR;
const argv = process.argv.slice(2);
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("AGENT_CLOUD_")));
fs.appendFileSync(dir + "/calls.jsonl", JSON.stringify({ argv, cwd: process.cwd(), env }) + "\n");
const scenario = JSON.parse(fs.readFileSync(dir + "/scenario.json", "utf8"));
const SECRET = ${JSON.stringify(SECRET_VALUE)};
const show = argv.includes("--show-secrets");
const flag = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const stack = flag("--stack");
const out = (v) => process.stdout.write(typeof v === "string" ? v : JSON.stringify(v));
const fail = (msg) => { process.stderr.write(msg + "\n"); process.exit(255); };
const cmd = argv.filter((a) => !a.startsWith("-")).slice(0, 2).join(" ");
if (argv[0] === "version") { out((scenario.cliVersion ?? "v3.200.0") + "\n"); process.exit(0); }
if (argv[0] === "whoami") {
  if (scenario.loggedOut) fail("error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions");
  out({ user: "ops-test", url: "file://fake" }); process.exit(0);
}
if (stack !== undefined && !scenario.stacks.includes(stack)) fail("error: no stack named '" + stack + "' found");
if (cmd === "stack select") process.exit(0);
if (cmd === "state unprotect") process.exit(0);
if (cmd === "stack ls") { out(scenario.stacks.map((name) => ({ name }))); process.exit(0); }
if (cmd === "stack history") {
  const size = Number(flag("--page-size") || scenario.history.length);
  const newestFirst = [...scenario.history].sort((a, b) => b.version - a.version).slice(0, size);
  out(newestFirst.map((u) => ({ ...u, config: Object.fromEntries(Object.entries(u.config || {}).map(([k, v]) =>
    [k, v.secret ? (show ? { value: SECRET, secret: true } : { secret: true }) : v])) })));
  process.exit(0);
}
if (cmd === "stack output") {
  const o = { ...scenario.outputs };
  for (const k of scenario.secretOutputs) o[k] = show ? SECRET : "[secret]";
  out(o); process.exit(0);
}
if (cmd === "stack export") {
  const resources = scenario.resources.map((r) => ({ ...r, outputs: { ...(r.outputs || {}), data: show ? SECRET : { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:xyz" } } }));
  out({ version: 3, deployment: { resources } }); process.exit(0);
}
if (argv[0] === "preview" || argv[0] === "up") {
  if (scenario.locked) fail("error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file");
  out((argv[0] === "up" ? "Updating" : "Previewing update") + " (" + stack + "):\n");
  const log = flag("--event-log");
  if (log) for (const [i, event] of (scenario.events || []).entries()) fs.appendFileSync(log, JSON.stringify({ sequence: i + 1, timestamp: 0, ...event }) + "\n");
  if (log) fs.appendFileSync(log, JSON.stringify({ sequence: (scenario.events || []).length + 1, timestamp: 0, summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: scenario.previewChanges, PolicyPacks: {} } }) + "\n");
  process.exit(0);
}
fail("fake pulumi: unexpected " + argv.join(" "));
`;

/** Writes `pulumi` into `<dir>/bin` and the scenario beside it; returns the bin folder. */
export async function installFakePulumi(dir: string, scenario: FakeScenario): Promise<string> {
  const bin = path.join(dir, "bin");
  await mkdir(bin, { recursive: true });
  const file = path.join(bin, "pulumi");
  await writeFile(file, `#!${process.execPath}\n${SCRIPT}`);
  await chmod(file, 0o755);
  await writeScenario(dir, scenario);
  await writeFile(path.join(dir, "calls.jsonl"), "");
  return bin;
}

export async function writeScenario(dir: string, scenario: FakeScenario): Promise<void> {
  await writeFile(path.join(dir, "scenario.json"), JSON.stringify(scenario));
}
