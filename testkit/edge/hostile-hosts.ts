/**
 * Host header values that must never reach a tenant, and the legitimate spellings of a tenant
 * host that must. Deterministic (seeded), so a failure names a value that reproduces. Shared
 * by the live edge suite and the reliability suite.
 */

export interface HostileHostOptions {
  /** Platform domain, e.g. `dev.example.test`. */
  readonly domain: string;
  /** Every host the proxy routes (tenant hosts and custom domains), lowercase. */
  readonly knownHosts: readonly string[];
  /** Names inside the cluster that must not be reachable by Host (Service FQDNs and the like). */
  readonly internalNames?: readonly string[];
  /** Loopback or cluster addresses to try as IP literals. */
  readonly addresses?: readonly string[];
  /** Lower bound on how many values to return. @default 600 */
  readonly atLeast?: number;
  /** @default 1 */
  readonly seed?: number;
}

/**
 * What nginx 1.22+ makes of a Host header value for `$host`, or undefined when it answers 400:
 * the header value is trimmed; a value with `..`, `/`, a space or a control character is
 * refused; `:port` and one trailing dot are dropped; ASCII is lowercased. Only bytes up to the
 * first CR/LF are the header.
 */
export function nginxHost(value: string): string | undefined {
  const line = value.split(/[\r\n]/)[0] as string;
  const trimmed = line.replace(/^[ \t]+|[ \t]+$/g, "");
  if (trimmed.includes("..") || trimmed.includes("/") || /[\x00-\x20\x7f]/.test(trimmed))
    return undefined;
  let host = trimmed;
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    if (end >= 0) host = host.slice(0, end + 1);
  } else if (host.includes(":")) {
    host = host.slice(0, host.indexOf(":"));
  }
  if (host.endsWith(".")) host = host.slice(0, -1);
  if (host === "") return undefined;
  return host.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Spellings of `host` that nginx normalises to it: case, a trailing dot, a port. */
export function legitimateHostVariants(host: string): string[] {
  const title = host.replace(
    /(^|\.)([a-z])/g,
    (_, dot: string, c: string) => dot + c.toUpperCase(),
  );
  const alternating = [...host].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join("");
  return [
    host.toUpperCase(),
    title,
    alternating,
    `${host}.`,
    `${host}:443`,
    `${host}:8443`,
    `${host.toUpperCase()}.:443`,
  ];
}

/** Small seeded PRNG (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let bits = state;
    bits = Math.imul(bits ^ (bits >>> 15), bits | 1);
    bits ^= bits + Math.imul(bits ^ (bits >>> 7), bits | 61);
    return ((bits ^ (bits >>> 14)) >>> 0) / 4294967296;
  };
}

const HOMOGLYPHS: Record<string, string[]> = {
  a: ["\u0430", "\uff41", "\u00e0"],
  c: ["\u0441", "\u217d"],
  e: ["\u0435", "\u00e9"],
  i: ["\u0131", "\u0456"],
  k: ["\u212a", "\u03ba"],
  m: ["\u217f", "\u043c"],
  o: ["\u043e", "\u03bf", "0"],
  p: ["\u0440"],
  s: ["\u017f", "\u0455"],
  x: ["\u0445"],
  l: ["1", "\u04cf"],
};
const UNICODE_DOTS = ["\u3002", "\uff0e", "\uff61", "\u2024"];
const INVISIBLE = ["\u200b", "\u00ad", "\u200d", "\ufeff", "\u202e", "\u0301"];
const MUTATION_ALPHABET = [
  ..."abcdefghijklmnopqrstuvwxyz0123456789.-_~%*@:[]!$&'()+,;=",
  "\u00e9",
  "\u0430",
];

/** The hostile values for one domain and route table, at least `atLeast` of them, none routable. */
export function hostileHosts(options: HostileHostOptions): string[] {
  const { domain } = options;
  const known = new Set(options.knownHosts);
  const rand = random(options.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const out = new Set<string>();
  const add = (candidate: string) => {
    const normalised = nginxHost(candidate);
    if (normalised === undefined || !known.has(normalised)) out.add(candidate);
  };

  // Other domains, the apex and platform names that are not tenants.
  for (const value of [
    "evil.com",
    "example.com",
    "localhost",
    "localhost.localdomain",
    "metadata.google.internal",
    domain,
    `www.${domain}`,
    `api.${domain}`,
    `admin.${domain}`,
    `*.${domain}`,
    `_.${domain}`,
    `%2a.${domain}`,
    `${domain}.evil.com`,
    `evil.${domain}`,
    `a.b.${domain}`,
    "_",
    "*",
    "default",
    "hostnames",
    "~.*",
    "",
    " ",
    ".",
    ":",
    ":443",
    "[]",
    "[::1]",
    "[::1]:443",
    "[::ffff:127.0.1.1]",
    "[fe80::1%25lo]",
    "kubernetes.default.svc.cluster.local",
    "kube-dns.kube-system.svc.cluster.local",
    ...(options.internalNames ?? []),
  ])
    add(value);

  // IP literals in every spelling a resolver or parser might accept.
  for (const ip of [
    "127.0.0.1",
    "0.0.0.0",
    "169.254.169.254",
    "10.96.0.1",
    ...(options.addresses ?? []),
  ]) {
    const parts = ip.split(".").map(Number);
    const asNumber = parts.reduce((acc, p) => acc * 256 + p, 0);
    for (const spelling of [
      ip,
      `${ip}:443`,
      `${ip}.`,
      String(asNumber),
      `0x${asNumber.toString(16)}`,
      parts.map((p) => `0${p.toString(8)}`).join("."),
      `${parts[0]}.${asNumber % 16777216}`,
      `${ip}.nip.io`,
    ])
      add(spelling);
  }

  for (const host of options.knownHosts) {
    const labels = host.split(".");
    const first = labels[0] as string;
    const mutations = [
      `${host}.evil.com`,
      `${host}.evil.com.`,
      `evil.com.${host}`,
      `evil.com/${host}`,
      `${host}/`,
      `${host}/..`,
      `${host}\\`,
      `evil.com\\${host}`,
      `${host}@evil.com`,
      `evil.com@${host}`,
      `${host}#x`,
      `${host}?x=1`,
      `${host}%00`,
      `${host}\u0000`,
      `${host}\u0000.evil.com`,
      `${host}\t.evil.com`,
      `${host} evil.com`,
      `http://${host}`,
      `https://${host}/`,
      `//${host}`,
      `${host}..`,
      `${host}...`,
      `.${host}`,
      `..${host}`,
      `${host}-`,
      `-${host}`,
      `x${host}`,
      `${host}x`,
      host.slice(1),
      host.slice(0, -1),
      `www.${host}`,
      `${first}.${host}`,
      `${host}.${domain}`,
      `${first}-${labels.slice(1).join(".")}`,
      labels.join("-"),
      labels.join(""),
      labels.join("_"),
      labels.join("%2e"),
      `${first}`,
      labels.slice(1).join("."),
      `[${host}]`,
      `[${host}]:443`,
      `${host}.evil.com:443`,
      `evil.com\r\nHost: ${host}`,
      `${host}\u00a0`,
      "a".repeat(63) + `.${host}`,
      `${"a".repeat(64)}.${host}`,
      `${host}.${"b".repeat(250)}`,
      `${"x.".repeat(200)}${host}`,
      host.repeat(40),
      // Past nginx's header buffers (8k default, 16k configured).
      `${`${"a".repeat(63)}.`.repeat(130)}${host}`,
      `${"a".repeat(20_000)}.${host}`,
      `${host}.`.repeat(2),
      host.replace(/-/g, "--"),
      host.replace(/-/g, "_"),
    ];
    mutations.forEach(add);
    // Doubled dots and unicode dots in place of each dot.
    [...host].forEach((char, index) => {
      if (char !== ".") return;
      for (const sep of ["..", ". ", ...UNICODE_DOTS])
        add(host.slice(0, index) + sep + host.slice(index + 1));
    });
    // Homoglyphs and invisible characters, alone and with case changes.
    [...host].forEach((char, index) => {
      for (const glyph of HOMOGLYPHS[char] ?? []) {
        const spoofed = host.slice(0, index) + glyph + host.slice(index + 1);
        add(spoofed);
        add(spoofed.toUpperCase());
      }
    });
    for (const invisible of INVISIBLE) {
      add(invisible + host);
      add(host + invisible);
      add(first + invisible + host.slice(first.length));
    }
    add(host.normalize("NFD").replace(/e/, "e\u0301"));
    add(host.replace(/\./g, "\u3002"));
  }

  // Seeded random edits of known hosts until there are enough.
  const target = options.atLeast ?? 600;
  for (let guard = 0; out.size < target && guard < target * 50; guard++) {
    let mutated = pick(options.knownHosts);
    const edits = 1 + Math.floor(rand() * 3);
    for (let edit = 0; edit < edits; edit++) {
      const at = Math.floor(rand() * (mutated.length + 1));
      const letter = pick(MUTATION_ALPHABET);
      const kind = rand();
      if (kind < 0.4) mutated = mutated.slice(0, at) + letter + mutated.slice(at);
      else if (kind < 0.7) mutated = mutated.slice(0, at) + letter + mutated.slice(at + 1);
      else mutated = mutated.slice(0, at) + mutated.slice(at + 1);
    }
    if (rand() < 0.3) mutated = mutated.toUpperCase();
    add(mutated);
  }
  return [...out];
}
