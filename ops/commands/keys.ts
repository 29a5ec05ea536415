/**
 * `keys show|rotate|retire --tenant T`: a tenant's API keys, read from its Secret (the only place
 * they live besides the proxy's key table), and rotation on the model of
 * components/tenant/api-key.ts: `rotate` bumps `apiKey.generation` and accepts the previous key
 * while clients switch; `retire` stops accepting it. One overlap at a time: `rotate` is refused
 * while the previous key is still accepted, so no accepted key is dropped unannounced. Keys are
 * printed only with `--reveal`, and only to this terminal: nothing here writes them to a file, a
 * config or a stack's history.
 */
import { defineCommand } from "../command-line/command";
import { stackFlag, tenantFlag, yesFlag } from "../command-line/flags";
import { createHash } from "node:crypto";
import { type OpsContext, secretReader } from "../context";
import { OpsError } from "../errors";
import { actionWord } from "../command-line/action-word";
import { println } from "../format/text";
import { readTenantSecret } from "../adapters/kube-secrets";
import { environmentOf, KEY } from "../stack-config";
import { deployHint, environmentSettings, tenantStack } from "../plans/shards";

/** `keys` flags. */
export interface KeysOptions {
  readonly action: "show" | "rotate" | "retire";
  readonly stack: string;
  readonly tenant: string;
  /** Print the keys themselves (show). */
  readonly reveal: boolean;
  /** Write the stack file without asking (rotate, retire). */
  readonly yes: boolean;
}

/** The subcommands of `keys`, with their help. */
const KEYS_ACTIONS: Readonly<Record<KeysOptions["action"], string>> = {
  show: "the current (and, during a rotation, previous) key, masked,\nwith a fingerprint; read from the tenant's Secret",
  rotate:
    "bump tenants[].apiKey.generation and accept the previous key\ntoo, in the stack file (deploy to apply)",
  retire: "stop accepting the previous key (deploy to apply)",
};

/** `keys`: its subcommands, flags, their help, and the options they give. */
export const keysCommand = defineCommand({
  spec: {
    name: "keys",
    summary: "a tenant's API keys: show them (masked), rotate, retire the old one",
    usage: "keys show|rotate|retire --stack S --tenant T [--reveal] [--yes]",
    actions: KEYS_ACTIONS,
    flags: {
      stack: stackFlag("stack the tenant is in"),
      tenant: tenantFlag(),
      reveal: { type: "boolean", doc: "print the keys themselves (to this terminal only)" },
      yes: yesFlag("write the stack file without asking"),
    },
    notes: "Keys are never written to a file, the stack config or its history.",
  },
  parse: (args): KeysOptions => ({
    action: keysAction(args.positionals),
    stack: args.required("stack"),
    tenant: args.required("tenant"),
    reveal: args.flag("reveal"),
    yes: args.flag("yes"),
  }),
  run: keys,
});

/** The action word, checked. */
export function keysAction(words: readonly string[]): KeysOptions["action"] {
  return actionWord("keys", Object.keys(KEYS_ACTIONS) as (keyof typeof KEYS_ACTIONS)[], words);
}

/** `ac_dev_…WXYZ`: the environment prefix and the last four characters, never more. */
export function maskKey(key: string): string {
  const prefix = /^ac_[a-z0-9-]+_/.exec(key)?.[0] ?? "";
  return `${prefix}…${key.slice(-4)}`;
}

/** A fingerprint to compare keys by without showing them: `sha256:` and 12 hex characters. */
export function keyFingerprint(key: string): string {
  return `sha256:${createHash("sha256").update(key).digest("hex").slice(0, 12)}`;
}

interface KeyState {
  readonly index: number;
  readonly generation: number;
  readonly acceptPrevious: boolean;
}

function keyState(config: Readonly<Record<string, unknown>>, tenant: string): KeyState {
  const tenants = config[KEY.tenants];
  const list = Array.isArray(tenants) ? (tenants as Record<string, unknown>[]) : [];
  const index = list.findIndex((t) => t?.id === tenant);
  if (index < 0) {
    const ids = list.map((t) => String(t?.id));
    throw new OpsError(
      `this stack has no tenant "${tenant}"; its tenants: ${ids.join(", ") || "none"}`,
    );
  }
  const apiKey = (list[index]?.apiKey ?? {}) as { generation?: unknown; acceptPrevious?: unknown };
  return {
    index,
    generation: typeof apiKey.generation === "number" ? apiKey.generation : 0,
    acceptPrevious: apiKey.acceptPrevious === true,
  };
}

/** Shows, rotates or retires; exits 1 when the user says no. */
export async function keys(ctx: OpsContext, options: KeysOptions): Promise<number> {
  const { engine, stdout } = ctx;
  // With tenant shards, the tenant (and its key settings) may live in a shard stack.
  const holder = await tenantStack(engine, options.stack, options.tenant);
  options = { ...options, stack: holder.stack };
  const config = holder.config;
  const state = keyState(config, options.tenant);
  const file = engine.configFileName(options.stack);

  if (options.action === "show") {
    const environment = environmentOf(await environmentSettings(engine, config));
    if (environment === undefined)
      throw new OpsError(`stack "${options.stack}" sets no agent-cloud:environment in ${file}`);
    const { namespace, name, data } = await readTenantSecret(
      secretReader(ctx),
      environment,
      options.tenant,
    );
    println(
      stdout,
      `tenant "${options.tenant}" (stack ${options.stack}): key generation ${state.generation}${state.acceptPrevious ? ", the previous key is still accepted" : ""}`,
    );
    const rows: [string, string | undefined][] = [
      ["current", data.AGENT_CLOUD_API_KEY],
      ["previous", data.AGENT_CLOUD_API_KEY_PREVIOUS],
    ];
    for (const [label, key] of rows) {
      if (key === undefined) continue;
      println(
        stdout,
        `${label.padEnd(8)}  ${options.reveal ? key : maskKey(key)}  ${keyFingerprint(key)}`,
      );
    }
    if (data.AGENT_CLOUD_API_KEY === undefined)
      throw new OpsError(
        `Secret ${namespace}/${name} holds no AGENT_CLOUD_API_KEY; deploy the stack`,
      );
    if (!options.reveal) println(stdout, "(keys are masked; --reveal prints them)");
    return 0;
  }

  if (options.action === "rotate" && state.acceptPrevious && state.generation >= 1) {
    // Rotating now would keep only the current key beside the new one: the previous key, still
    // accepted today, would stop working at the next deploy without anyone having retired it.
    // (Generation 0 has no previous key, whatever acceptPrevious says.)
    throw new OpsError(
      `tenant "${options.tenant}" (stack ${options.stack}) still accepts its previous API key (generation ${state.generation - 1}) beside generation ${state.generation}; ` +
        `rotating now would stop accepting generation ${state.generation - 1} at the next deploy. Once its clients use generation ${state.generation}, ` +
        `retire it first (npm run ops -- keys retire --stack ${options.stack} --tenant ${options.tenant}), then rotate; nothing written`,
    );
  }
  const next =
    options.action === "rotate"
      ? { generation: state.generation + 1, acceptPrevious: true }
      : { generation: state.generation, acceptPrevious: false };
  if (options.action === "retire" && !state.acceptPrevious) {
    println(stdout, `tenant "${options.tenant}" accepts no previous key; nothing to retire`);
    return 0;
  }
  println(
    stdout,
    options.action === "rotate"
      ? `rotate the API key of tenant "${options.tenant}": generation ${state.generation} → ${next.generation}; the edge and the app accept both keys until you retire the old one`
      : `retire the previous API key of tenant "${options.tenant}" (generation ${state.generation - 1}); only generation ${state.generation} is accepted after the next deploy`,
  );
  println(stdout, `  ${file}: tenants[${state.index}].apiKey = ${JSON.stringify(next)}`);
  if (!options.yes && !(await ctx.confirm(`write this to ${file}?`))) {
    println(stdout, "nothing written");
    return 1;
  }
  await engine.writeConfig(options.stack, [
    { key: KEY.tenants, path: [state.index, "apiKey"], value: next },
  ]);
  println(
    stdout,
    options.action === "rotate"
      ? `written; deploy it (${deployHint(options.stack, config)}), give the tenant the new key (keys show --reveal), then: keys retire --stack ${options.stack} --tenant ${options.tenant}`
      : `written; deploy it (${deployHint(options.stack, config)}) to stop accepting the old key`,
  );
  return 0;
}
