/**
 * Which paths of an app may get a writable emptyDir (the root filesystem is read-only): the one
 * rule the config (stacks/config/rules/writable-paths.ts) and TenantApp (components/tenant/volumes.ts)
 * both apply, so a path the component would refuse never passes the config.
 */

/** Where the tenant's agent config (a key of its Secret) is mounted, read-only. */
export const AGENT_CONFIG_DIR = "/etc/agent-cloud";
/** File name of the agent config inside {@link AGENT_CONFIG_DIR}. */
export const AGENT_CONFIG_FILE = "agent.json";

/**
 * Every problem with the writable paths (empty when each can be its own mount): a path that is
 * not absolute, climbs with "..", covers the agent config, or shares a volume name with another.
 */
export function writablePathProblems(paths: readonly string[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const path of [...new Set(paths)].sort()) {
    const problem = writablePathProblem(path);
    if (problem !== undefined) {
      problems.push(problem);
      continue;
    }
    const name = volumeNameOf(path);
    const other = seen.get(name);
    if (other !== undefined) {
      problems.push(
        `writablePaths "${other}" and "${path}" map to the same volume name "${name}"; rename one`,
      );
    }
    seen.set(name, path);
  }
  return problems;
}

/** The problem with one writable path, if any. */
export function writablePathProblem(path: string): string | undefined {
  if (!path.startsWith("/") || path === "/" || path.split("/").includes("..")) {
    return `writable path "${path}": must be an absolute path below "/" without ".."`;
  }
  if (path === AGENT_CONFIG_DIR || path.startsWith(`${AGENT_CONFIG_DIR}/`)) {
    return `writable path "${path}": ${AGENT_CONFIG_DIR} holds the read-only agent config`;
  }
  return undefined;
}

/** `/app/.cache` → `writable-app-cache`: the volume name a writable path mounts as. */
export function volumeNameOf(path: string): string {
  const slug = path
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return `writable-${slug}`.slice(0, 63).replace(/-+$/, "");
}
