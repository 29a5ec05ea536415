import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { assertNoProblems, ComponentArgsError } from "../../components/component-args-error";

describe("ComponentArgsError", () => {
  it.each([
    {
      problems: ["replicas 0: must be a positive integer"],
      message: 'TenantApp "dev-tenant-acme": replicas 0: must be a positive integer',
    },
    {
      problems: [
        "replicas 0: must be a positive integer",
        'image "nginx": must be pinned by digest',
      ],
      message:
        'TenantApp "dev-tenant-acme": 2 problems:\n' +
        "  - replicas 0: must be a positive integer\n" +
        '  - image "nginx": must be pinned by digest',
    },
  ])(
    "names the component, its name and every problem ($problems.length)",
    ({ problems, message }) => {
      const err = new ComponentArgsError("TenantApp", "dev-tenant-acme", problems);
      expect(err.message).toBe(message);
      expect(err.name).toBe("ComponentArgsError");
      expect(err.component).toBe("TenantApp");
      expect(err.resourceName).toBe("dev-tenant-acme");
      expect(err.problems).toEqual(problems);
      // The engine prints a RunError's message without a stack trace.
      expect(pulumi.RunError.isInstance(err)).toBe(true);
    },
  );

  it("assertNoProblems throws only when there is a problem", () => {
    expect(() => assertNoProblems("WildcardDns", "dev-dns", [])).not.toThrow();
    expect(() =>
      assertNoProblems("WildcardDns", "dev-dns", ["ttl 0: must be 1 or 60..86400"]),
    ).toThrow(new ComponentArgsError("WildcardDns", "dev-dns", ["ttl 0: must be 1 or 60..86400"]));
  });
});
