import { describe, expect, it } from "vitest";
import { volumeNameOf, writablePathProblems } from "../../model/rules/writable-paths";

describe("writablePathProblems (the config and TenantApp both apply it)", () => {
  it.each([
    { paths: ["/tmp", "/app/.cache"], problems: [] },
    { paths: ["/tmp", "/tmp"], problems: [] },
    {
      paths: ["tmp"],
      problems: ['writable path "tmp": must be an absolute path below "/" without ".."'],
    },
    {
      paths: ["/"],
      problems: ['writable path "/": must be an absolute path below "/" without ".."'],
    },
    {
      paths: ["/var/../etc"],
      problems: ['writable path "/var/../etc": must be an absolute path below "/" without ".."'],
    },
    {
      paths: ["/etc/agent-cloud"],
      problems: [
        'writable path "/etc/agent-cloud": /etc/agent-cloud holds the read-only agent config',
      ],
    },
    {
      paths: ["/app/cache", "/app.cache"],
      problems: [
        'writablePaths "/app.cache" and "/app/cache" map to the same volume name "writable-app-cache"; rename one',
      ],
    },
  ])("$paths", ({ paths, problems }) => {
    expect(writablePathProblems(paths)).toEqual(problems);
  });

  it.each([
    ["/tmp", "writable-tmp"],
    ["/app/.cache", "writable-app-cache"],
  ])("mounts %s as %s", (path, name) => expect(volumeNameOf(path)).toBe(name));
});
