/** Tenants' cookies in the rendered config: which Domain values are rewritten, and where. */
import { describe, expect, it } from "vitest";
import {
  type NginxConfigInput,
  NginxConfigError,
  renderNginxConfig,
  renderNginxRoutes,
} from "../../components/edge/nginx-config";
import {
  sharedCookieDomainPattern,
  sharedCookieParents,
} from "../../components/edge/nginx/cookies";

const base: NginxConfigInput = {
  environment: "dev",
  domain: "dev.example.com",
  apiKeyPrefix: "ac_dev_",
  routes: [
    {
      tenantId: "acme",
      hosts: ["acme.dev.example.com", "agents.acme.com"],
      upstreamHost: "sp-acme.dev-tenant-acme.svc.cluster.local",
      upstreamPort: 80,
    },
  ],
  listen: { http: 8080, https: 8443, health: 8081 },
  tls: { certificate: "/etc/agent-cloud/tls/tls.crt", key: "/etc/agent-cloud/tls/tls.key" },
  maxBodySize: "10m",
  timeouts: { connectSeconds: 5, readSeconds: 3600, sendSeconds: 120 },
  paths: {
    pidFile: "/tmp/nginx/nginx.pid",
    tempDir: "/tmp/nginx",
    interimGuardScript: "/etc/agent-cloud/nginx/interim-guard.js",
  },
  auth: { keyTablePath: "/etc/agent-cloud/api-keys/api-keys.map", tenants: [] },
};

const cookieLines = (config: string) => config.match(/^ *proxy_cookie_domain .*$/gm) ?? [];

describe("the rendered cookie rule", () => {
  it("rewrites a shared Domain to the request's host in the proxied location, once", () => {
    const config = renderNginxConfig(base);
    expect(cookieLines(config)).toEqual([
      '      proxy_cookie_domain "~(?i)^\\s*\\.?(?:(?:.*\\.)?dev\\.example\\.com|example\\.com)\\.?\\s*$" $host;',
    ]);
    const tls = config.slice(config.indexOf("listen 8443"));
    const location = tls.slice(tls.indexOf("    location / {"));
    expect(location.slice(0, location.indexOf("\n    }\n"))).toContain("proxy_cookie_domain");
    // The main file only: the route table never changes with it.
    const routes = renderNginxRoutes({ ...base, paths: { ...base.paths, routesFile: "/r.conf" } });
    expect(cookieLines(routes)).toEqual([]);
  });

  it("writes no rule without a domain", () => {
    expect(cookieLines(renderNginxConfig({ ...base, domain: undefined }))).toEqual([]);
  });

  it.each([
    ["dev.example.test", ["example.test"]],
    ["a.b.example.co.uk", ["b.example.co.uk", "example.co.uk", "co.uk"]],
    ["example.com", []],
    ["agents.localhost", []],
  ])("counts %s's parents of two labels or more: %j", (domain, parents) => {
    expect(sharedCookieParents(domain)).toEqual(parents);
  });

  // The same pattern in JavaScript's dialect (PCRE's inline (?i) as a flag) agrees on these.
  const shared = new RegExp(sharedCookieDomainPattern("dev.example.test").replace("(?i)", ""), "i");
  it.each([
    "dev.example.test",
    ".dev.example.test",
    "DEV.Example.TEST",
    "dev.example.test.",
    " \tdev.example.test\t ",
    "example.test",
    ".example.test",
    "globex.dev.example.test",
    "a.b.dev.example.test",
    "..dev.example.test",
  ])("takes Domain=%j for a domain other tenants share", (value) => {
    expect(shared.test(value)).toBe(true);
  });

  it.each([
    "agents.acme-corp.test",
    "test",
    ".test",
    "notdev.example.test",
    "other.example.test",
    "dev.example.test.evil.test",
    "example.test.evil.test",
    "devxexample.test",
    "dev.example.testing",
    "",
  ])("leaves Domain=%j as it is", (value) => {
    expect(shared.test(value)).toBe(false);
  });

  it("refuses a domain that is no DNS name, naming the field", () => {
    for (const domain of ["Dev.example.com", "localhost", "dev.example.com.", '" $host; x'])
      expect(() => renderNginxConfig({ ...base, domain })).toThrow(
        new NginxConfigError([
          `domain ${JSON.stringify(domain)}: must be a lowercase DNS name such as agents.example.com, the domain tenants are served under`,
        ]),
      );
  });
});
