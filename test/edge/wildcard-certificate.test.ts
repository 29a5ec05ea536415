import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  WILDCARD_CERTIFICATE_TYPE,
  WildcardCertificate,
  checkProvidedCertificate,
  type WildcardCertificateArgs,
} from "../../components/edge/wildcard-certificate";
import { ComponentArgsError } from "../../components/component-args-error";
import { validateAllKubernetes, validateKubernetesObject } from "../../testkit/kubernetes";
import { makeSelfSignedCertificate } from "../../testkit/edge/certs";
import {
  isSecretInput,
  runProgram,
  valueOf,
  type ProgramRun,
  type RecordedResource,
  runProgramCatching,
} from "../../testkit/mocks";
import { CLOUDFLARE, KUBERNETES, TLS } from "../../testkit/type-tokens";

const DOMAIN = "agents.example.com";
const NAMESPACE = "dev-edge";
const BOTH_NAMES = [`*.${DOMAIN}`, DOMAIN];
const COMPONENT_URN = `urn:pulumi:test::agent-cloud::${WILDCARD_CERTIFICATE_TYPE}::cert`;

type ModeArgs = Omit<WildcardCertificateArgs, "namespace" | "domain">;

function make(args: ModeArgs): WildcardCertificate {
  // The namespace comes from the platform's Namespace resource: pass it as an Output.
  return new WildcardCertificate("cert", {
    namespace: pulumi.output(NAMESPACE),
    domain: DOMAIN,
    ...args,
  });
}

const run = (args: ModeArgs) => runProgram(() => make(args));

/** `type name` of every resource, sorted, for exact inventory assertions. */
function inventory(r: ProgramRun<unknown>): string[] {
  return r.resources.map((x) => `${x.type} ${x.name}`).sort();
}

function tlsSecrets(r: ProgramRun<unknown>): RecordedResource[] {
  return r.ofType(KUBERNETES.Secret).filter((s) => s.inputs.type === "kubernetes.io/tls");
}

/** The certificate lives in the proxy's namespace and nowhere else. */
function expectOnlyTlsSecretInNamespace(r: ProgramRun<unknown>): RecordedResource {
  const secrets = tlsSecrets(r);
  expect(secrets).toHaveLength(1);
  const secret = secrets[0]!;
  expect(secret.inputs.metadata).toMatchObject({ name: "wildcard-tls", namespace: NAMESPACE });
  expect(Object.keys(secret.inputs.stringData).sort()).toEqual(["tls.crt", "tls.key"]);
  // No other object carries key material.
  for (const other of r.ofType(KUBERNETES.Secret).filter((s) => s !== secret)) {
    expect(Object.keys(other.inputs.stringData ?? {})).not.toContain("tls.key");
  }
  expect(isSecretInput(secret, "stringData.tls.key")).toBe(true);
  return secret;
}

function expectChildrenParented(r: ProgramRun<unknown>): void {
  const component = r.get(WILDCARD_CERTIFICATE_TYPE, "cert");
  expect(component.custom).toBe(false);
  for (const child of r.resources.filter((x) => x !== component)) {
    expect(child.parent, `${child.type} ${child.name}`).toBe(COMPONENT_URN);
    expect(child.name.startsWith("cert-")).toBe(true);
  }
}

function opensslCert(dir: string, tag: string, dnsNames: string[]): { cert: string; key: string } {
  const c = makeSelfSignedCertificate(dir, tag, DOMAIN, dnsNames);
  return { cert: c.certificatePem, key: c.keyPem };
}

let dir: string;
let good: { cert: string; key: string };
let wildcardOnly: { cert: string; key: string };
let other: { cert: string; key: string };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "wildcard-cert-"));
  good = opensslCert(dir, "good", [`*.${DOMAIN}`, DOMAIN]);
  wildcardOnly = opensslCert(dir, "wildcard-only", [`*.${DOMAIN}`]);
  other = opensslCert(dir, "other", [`*.${DOMAIN}`, DOMAIN]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("WildcardCertificate self-signed", () => {
  it("creates exactly a key, a certificate for *.domain and domain, and one TLS Secret", async () => {
    const r = await run({ mode: "self-signed" });
    expect(inventory(r)).toEqual([
      `${WILDCARD_CERTIFICATE_TYPE} cert`,
      `${KUBERNETES.Secret} cert-tls`,
      `${TLS.PrivateKey} cert-key`,
      `${TLS.SelfSignedCert} cert-cert`,
    ]);
    expectChildrenParented(r);

    expect(r.get(TLS.PrivateKey, "cert-key").inputs).toMatchObject({
      algorithm: "ECDSA",
      ecdsaCurve: "P256",
    });
    const cert = r.get(TLS.SelfSignedCert, "cert-cert");
    expect(cert.inputs.dnsNames).toEqual(BOTH_NAMES);
    expect(cert.inputs.allowedUses).toEqual(["digital_signature", "server_auth"]);
    expect(cert.inputs.validityPeriodHours).toBe(8760);
    expect(cert.inputs.subject).toEqual({ commonName: DOMAIN, organization: "agent-cloud" });
    // Key material reaches every consumer as a secret.
    expect(isSecretInput(cert, "privateKeyPem")).toBe(true);

    const secret = expectOnlyTlsSecretInNamespace(r);
    expect(secret.inputs.stringData["tls.crt"]).toBe(
      r.get(TLS.SelfSignedCert, "cert-cert").state.certPem,
    );
    expect(secret.inputs.stringData["tls.key"]).toBe(
      r.get(TLS.PrivateKey, "cert-key").state.privateKeyPem,
    );
    expect(await validateAllKubernetes(r.resources)).toBe(1);

    await expect(valueOf(r.result.secretName)).resolves.toBe("wildcard-tls");
    await expect(valueOf(r.result.certificatePem!)).resolves.toContain("mock-cert-cert");
    await expect(valueOf(r.result.dnsNames)).resolves.toEqual(BOTH_NAMES);
  });

  it("honours validityHours and secretName", async () => {
    const r = await runProgram(
      () =>
        new WildcardCertificate("cert", {
          namespace: NAMESPACE,
          domain: DOMAIN,
          mode: "self-signed",
          validityHours: 48,
          secretName: "edge-tls",
        }),
    );
    expect(r.get(TLS.SelfSignedCert, "cert-cert").inputs.validityPeriodHours).toBe(48);
    expect(r.get(KUBERNETES.Secret, "cert-tls").inputs.metadata.name).toBe("edge-tls");
    await expect(valueOf(r.result.secretName)).resolves.toBe("edge-tls");
  });

  it("leaves the CN out when the domain is too long for it (SANs carry the names)", async () => {
    const domain = `${"a".repeat(60)}.example.com`;
    const r = await runProgram(
      () => new WildcardCertificate("cert", { namespace: NAMESPACE, domain, mode: "self-signed" }),
    );
    const cert = r.get(TLS.SelfSignedCert, "cert-cert");
    expect(cert.inputs.subject).toEqual({ organization: "agent-cloud" });
    expect(cert.inputs.dnsNames).toEqual([`*.${domain}`, domain]);
  });
});

describe("WildcardCertificate provided", () => {
  it("creates only the TLS Secret from the PEMs, with the key secret even when given in clear", async () => {
    const r = await run({ mode: "provided", certificatePem: good.cert, privateKeyPem: good.key });
    expect(inventory(r)).toEqual([
      `${WILDCARD_CERTIFICATE_TYPE} cert`,
      `${KUBERNETES.Secret} cert-tls`,
    ]);
    expectChildrenParented(r);
    const secret = expectOnlyTlsSecretInNamespace(r);
    expect(secret.inputs.stringData).toEqual({ "tls.crt": good.cert, "tls.key": good.key });
    expect(await validateAllKubernetes(r.resources)).toBe(1);
    await expect(valueOf(r.result.certificatePem!)).resolves.toBe(good.cert);
    await expect(valueOf(r.result.secretName)).resolves.toBe("wildcard-tls");
  });

  it("keeps a key from secret config secret", async () => {
    const r = await run({
      mode: "provided",
      certificatePem: good.cert,
      privateKeyPem: pulumi.secret(good.key),
    });
    expect(isSecretInput(r.get(KUBERNETES.Secret, "cert-tls"), "stringData.tls.key")).toBe(true);
    expect(r.get(KUBERNETES.Secret, "cert-tls").inputs.stringData["tls.key"]).toBe(good.key);
  });

  it("refuses missing PEMs, a certificate that misses the apex, and a key of another certificate", () => {
    expect(() => make({ mode: "provided" })).toThrow(
      `WildcardCertificate "cert": 2 problems:\n` +
        `  - mode "provided" needs certificatePem (the PEM certificate chain for *.${DOMAIN} and ${DOMAIN}); set tls.certificate in the stack config\n` +
        `  - mode "provided" needs privateKeyPem (the certificate's PEM key); set it with: pulumi config set --secret tlsPrivateKey < key.pem`,
    );
    expect(() =>
      make({ mode: "provided", certificatePem: "not a pem", privateKeyPem: good.key }),
    ).toThrow(
      `WildcardCertificate "cert": certificatePem: must be a PEM certificate starting with -----BEGIN CERTIFICATE-----`,
    );
    expect(() =>
      make({
        mode: "provided",
        certificatePem: wildcardOnly.cert,
        privateKeyPem: wildcardOnly.key,
      }),
    ).toThrow(
      `WildcardCertificate "cert": certificatePem: does not cover ${DOMAIN} (its DNS names: *.${DOMAIN}); issue one for both *.${DOMAIN} and ${DOMAIN}`,
    );
    expect(() =>
      make({ mode: "provided", certificatePem: good.cert, privateKeyPem: other.key }),
    ).toThrow(`WildcardCertificate "cert": privateKeyPem: is not the key of certificatePem`);
  });

  it("checks a key that is only known later (secret config) with the same rules", () => {
    expect(checkProvidedCertificate(DOMAIN, good.cert, good.key)).toEqual([]);
    expect(checkProvidedCertificate(DOMAIN, good.cert, other.key)).toEqual([
      "privateKeyPem: is not the key of certificatePem",
    ]);
    expect(checkProvidedCertificate(DOMAIN, good.cert, "garbage")).toEqual([
      "privateKeyPem: is not a PEM private key",
    ]);
    expect(checkProvidedCertificate("other.example.org", good.cert)).toEqual([
      `certificatePem: does not cover *.other.example.org and other.example.org (its DNS names: *.${DOMAIN}, ${DOMAIN}); issue one for both *.other.example.org and other.example.org`,
    ]);
    // No error ever quotes the key.
    for (const issue of checkProvidedCertificate(DOMAIN, good.cert, other.key)) {
      expect(issue).not.toContain("PRIVATE KEY");
    }
  });
});

describe("WildcardCertificate cloudflare-origin-ca", () => {
  it("creates a key, a CSR and an Origin CA certificate for both names, and one TLS Secret", async () => {
    const r = await run({ mode: "cloudflare-origin-ca" });
    expect(inventory(r)).toEqual([
      `${WILDCARD_CERTIFICATE_TYPE} cert`,
      `${CLOUDFLARE.OriginCaCertificate} cert-origin-ca`,
      `${KUBERNETES.Secret} cert-tls`,
      `${TLS.CertRequest} cert-csr`,
      `${TLS.PrivateKey} cert-key`,
    ]);
    expectChildrenParented(r);
    expect(r.get(TLS.PrivateKey, "cert-key").inputs).toMatchObject({
      algorithm: "ECDSA",
      ecdsaCurve: "P256",
    });
    const csr = r.get(TLS.CertRequest, "cert-csr");
    expect(csr.inputs.dnsNames).toEqual(BOTH_NAMES);
    expect(isSecretInput(csr, "privateKeyPem")).toBe(true);

    const origin = r.get(CLOUDFLARE.OriginCaCertificate, "cert-origin-ca");
    expect(origin.inputs).toEqual({
      csr: csr.state.certRequestPem,
      hostnames: BOTH_NAMES,
      requestType: "origin-ecc",
      requestedValidity: 5475,
    });

    const secret = expectOnlyTlsSecretInNamespace(r);
    expect(secret.inputs.stringData["tls.crt"]).toBe(origin.state.certificate);
    expect(secret.inputs.stringData["tls.key"]).toBe(
      r.get(TLS.PrivateKey, "cert-key").state.privateKeyPem,
    );
    expect(await validateAllKubernetes(r.resources)).toBe(1);
    await expect(valueOf(r.result.certificatePem!)).resolves.toContain(
      "mock-origin-ca-cert-origin-ca",
    );
  });

  it("uses an RSA key for origin-rsa and the requested validity", async () => {
    const r = await run({
      mode: "cloudflare-origin-ca",
      requestType: "origin-rsa",
      validityDays: 365,
    });
    expect(r.get(TLS.PrivateKey, "cert-key").inputs).toMatchObject({
      algorithm: "RSA",
      rsaBits: 2048,
    });
    expect(r.get(CLOUDFLARE.OriginCaCertificate, "cert-origin-ca").inputs).toMatchObject({
      requestType: "origin-rsa",
      requestedValidity: 365,
    });
  });

  it("refuses a validity Cloudflare does not issue and an unknown request type", () => {
    expect(() =>
      make({ mode: "cloudflare-origin-ca", validityDays: 100, requestType: "rsa" as never }),
    ).toThrow(
      `WildcardCertificate "cert": 2 problems:\n` +
        `  - requestType "rsa": must be "origin-rsa" or "origin-ecc"\n` +
        `  - validityDays 100: must be one of 7, 30, 90, 365, 730, 1095, 5475 (what Cloudflare's Origin CA issues)`,
    );
  });
});

describe("WildcardCertificate acme", () => {
  const acme: ModeArgs = {
    mode: "acme",
    email: "ops@example.com",
    cloudflareApiToken: pulumi.secret("cf-token-value"),
  };

  it("creates a token Secret, a DNS-01 ClusterIssuer and a Certificate in the proxy's namespace", async () => {
    const r = await run(acme);
    expect(inventory(r)).toEqual([
      `${WILDCARD_CERTIFICATE_TYPE} cert`,
      `${KUBERNETES.Certificate} cert-certificate`,
      `${KUBERNETES.ClusterIssuer} cert-issuer`,
      `${KUBERNETES.Secret} cert-cloudflare-token`,
    ]);
    expectChildrenParented(r);
    // cert-manager objects against cert-manager's own CRD schemas, the Secret against core's.
    expect(await validateAllKubernetes(r.resources)).toBe(3);

    const token = r.get(KUBERNETES.Secret, "cert-cloudflare-token");
    expect(token.inputs.type).toBe("Opaque");
    expect(token.inputs.metadata).toMatchObject({
      name: `${NAMESPACE}-cloudflare-api-token`,
      namespace: "cert-manager",
    });
    expect(token.inputs.stringData).toEqual({ "api-token": "cf-token-value" });
    expect(isSecretInput(token, "stringData.api-token")).toBe(true);

    const issuer = r.get(KUBERNETES.ClusterIssuer, "cert-issuer");
    expect(issuer.inputs.metadata.name).toBe(`${NAMESPACE}-acme`);
    expect(issuer.inputs.metadata.namespace).toBeUndefined();
    expect(issuer.inputs.spec).toEqual({
      acme: {
        email: "ops@example.com",
        server: "https://acme-v02.api.letsencrypt.org/directory",
        privateKeySecretRef: { name: `${NAMESPACE}-acme-account-key` },
        solvers: [
          {
            selector: { dnsZones: [DOMAIN] },
            dns01: {
              cloudflare: {
                apiTokenSecretRef: { name: `${NAMESPACE}-cloudflare-api-token`, key: "api-token" },
              },
            },
          },
        ],
      },
    });
    // Nothing about the token leaks into the issuer.
    expect(JSON.stringify(issuer.inputs)).not.toContain("cf-token-value");

    const cert = r.get(KUBERNETES.Certificate, "cert-certificate");
    expect(cert.inputs.metadata).toMatchObject({
      name: "wildcard-tls",
      namespace: NAMESPACE,
      annotations: { "pulumi.com/waitFor": "condition=Ready" },
    });
    expect(cert.inputs.spec).toMatchObject({
      secretName: "wildcard-tls",
      dnsNames: BOTH_NAMES,
      issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: `${NAMESPACE}-acme` },
      privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
    });

    // cert-manager writes the TLS Secret into the Certificate's namespace; Pulumi holds no key.
    expect(tlsSecrets(r)).toEqual([]);
    expect(r.ofType(KUBERNETES.Certificate)).toHaveLength(1);
    expect(r.ofType(KUBERNETES.HelmRelease)).toEqual([]);
    await expect(valueOf(r.result.secretName)).resolves.toBe("wildcard-tls");
    expect(r.result.certificatePem).toBeUndefined();
  });

  it("installs cert-manager with CRDs at a pinned version only when asked, and waits for it", async () => {
    const r = await run({
      ...acme,
      installCertManager: true,
      certManagerVersion: "v1.17.1",
      server: "https://acme-staging-v02.api.letsencrypt.org/directory",
    });
    expect(r.ofType(KUBERNETES.HelmRelease)).toHaveLength(1);
    const release = r.get(KUBERNETES.HelmRelease, "cert-cert-manager");
    expect(release.parent).toBe(COMPONENT_URN);
    expect(release.inputs).toMatchObject({
      name: "cert-manager",
      chart: "cert-manager",
      version: "v1.17.1",
      repositoryOpts: { repo: "https://charts.jetstack.io" },
      namespace: "cert-manager",
      createNamespace: true,
      values: { crds: { enabled: true, keep: true } },
    });
    for (const [type, name] of [
      [KUBERNETES.ClusterIssuer, "cert-issuer"],
      [KUBERNETES.Certificate, "cert-certificate"],
      [KUBERNETES.Secret, "cert-cloudflare-token"],
    ] as const) {
      expect(r.get(type, name).dependsOn, name).toContain(release.urn);
    }
    expect(r.get(KUBERNETES.Certificate, "cert-certificate").dependsOn).toContain(
      r.get(KUBERNETES.ClusterIssuer, "cert-issuer").urn,
    );
    expect(r.get(KUBERNETES.ClusterIssuer, "cert-issuer").inputs.spec.acme.server).toBe(
      "https://acme-staging-v02.api.letsencrypt.org/directory",
    );
    expect(await validateAllKubernetes(r.resources)).toBe(3);
  });

  it("uses the default pinned chart version", async () => {
    const r = await run({ ...acme, installCertManager: true });
    expect(r.get(KUBERNETES.HelmRelease, "cert-cert-manager").inputs.version).toBe("v1.16.2");
  });

  it("would catch a broken cert-manager object (the schema check is real)", async () => {
    const r = await run(acme);
    const cert = r.get(KUBERNETES.Certificate, "cert-certificate");
    const broken = { ...cert, inputs: { ...cert.inputs, spec: { dnsNames: BOTH_NAMES } } };
    await expect(validateKubernetesObject(broken)).rejects.toThrow(
      /Certificate cert-certificate fails its schema/,
    );
  });

  it("refuses a missing email and token, and an unpinned or too old chart version", () => {
    expect(() => make({ mode: "acme" })).toThrow(
      `WildcardCertificate "cert": 2 problems:\n` +
        `  - mode "acme" needs email (the ACME account's address, for expiry notices)\n` +
        `  - mode "acme" needs cloudflareApiToken (a Cloudflare API token with Zone:DNS:Edit on the zone of ${DOMAIN}) for the DNS-01 solver`,
    );
    expect(() => make({ ...acme, certManagerVersion: "latest", email: "ops" })).toThrow(
      `WildcardCertificate "cert": 2 problems:\n` +
        `  - email "ops": must be an email address for the ACME account\n` +
        `  - certManagerVersion "latest": must be a pinned chart version v1.15.0 or later, like v1.16.2`,
    );
    expect(() => make({ ...acme, certManagerVersion: "v1.14.5" })).toThrow(
      `certManagerVersion "v1.14.5": must be a pinned chart version v1.15.0 or later`,
    );
    expect(() => make({ ...acme, server: "http://acme.example.com" })).toThrow(
      `server "http://acme.example.com": must be an https:// ACME directory URL`,
    );
  });
});

describe("WildcardCertificate argument checks", () => {
  it("refuses an unknown mode, a bad domain and a bad secretName, all in one error", () => {
    expect(
      () =>
        new WildcardCertificate("cert", {
          namespace: NAMESPACE,
          domain: "Agents.Example.com",
          mode: "letsencrypt" as never,
          secretName: "Wildcard_TLS",
        }),
    ).toThrow(
      `WildcardCertificate "cert": 3 problems:\n` +
        `  - mode "letsencrypt": must be one of "self-signed", "provided", "acme", "cloudflare-origin-ca"\n` +
        `  - domain "Agents.Example.com": must be a lowercase DNS name such as agents.example.com\n` +
        `  - secretName "Wildcard_TLS": must be a Kubernetes object name (a-z, 0-9, '-', '.'), at most 253 characters`,
    );
  });

  it("never quotes a value that looks like a token (showReceived)", () => {
    const token = "Xq7cF0rT9kLmN2pQ4sV6wY8zA1bC3dE5fG7hJ9kL";
    const hidden = "(not shown: it looks like a token)";
    const messageOf = (args: WildcardCertificateArgs) => {
      try {
        new WildcardCertificate("cert", args);
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error("WildcardCertificate accepted a token");
    };
    const common = messageOf({
      namespace: NAMESPACE,
      domain: token,
      mode: token as never,
      secretName: token,
    });
    expect(common).toBe(
      `WildcardCertificate "cert": 3 problems:\n` +
        `  - mode ${hidden}: must be one of "self-signed", "provided", "acme", "cloudflare-origin-ca"\n` +
        `  - domain ${hidden}: must be a lowercase DNS name such as agents.example.com\n` +
        `  - secretName ${hidden}: must be a Kubernetes object name (a-z, 0-9, '-', '.'), at most 253 characters`,
    );
    const acme = messageOf({
      namespace: NAMESPACE,
      domain: DOMAIN,
      mode: "acme",
      email: token,
      server: `http://${token}`,
      certManagerVersion: token,
      cloudflareApiToken: pulumi.secret("cf-token-value"),
    });
    expect(acme).toBe(
      `WildcardCertificate "cert": 3 problems:\n` +
        `  - email ${hidden}: must be an email address for the ACME account\n` +
        `  - server ${hidden}: must be an https:// ACME directory URL\n` +
        `  - certManagerVersion ${hidden}: must be a pinned chart version v1.15.0 or later, like v1.16.2`,
    );
    expect(`${common}\n${acme}`).not.toContain(token);
  });

  it("refuses fields that belong to another mode instead of ignoring them", () => {
    expect(() => make({ mode: "self-signed", privateKeyPem: good.key, validityDays: 30 })).toThrow(
      `WildcardCertificate "cert": 2 problems:\n` +
        `  - privateKeyPem: only applies to mode "provided", but mode is "self-signed"\n` +
        `  - validityDays: only applies to mode "cloudflare-origin-ca", but mode is "self-signed"`,
    );
  });

  it("registers nothing when the args are invalid", async () => {
    const r = await runProgramCatching(() => make({ mode: "acme" }));
    expect(r.result).toBeInstanceOf(ComponentArgsError);
    expect(r.resources).toEqual([]);
  });
});

describe("WildcardCertificate children", () => {
  it("exposes what each mode created and lets a caller adjust it before it is registered", async () => {
    const r = await run({
      mode: "self-signed",
      transform: {
        secret: (secretArgs) => {
          (secretArgs.metadata as { annotations?: Record<string, string> }).annotations = {
            "reflector.example.com/allowed": "false",
          };
        },
        selfSignedCert: { validityPeriodHours: 48 },
      },
    });
    const certificate = r.result;
    expect(await valueOf(certificate.children.privateKey!.urn)).toMatch(/::cert-key$/);
    expect(await valueOf(certificate.children.selfSignedCert!.urn)).toMatch(/::cert-cert$/);
    expect(await valueOf(certificate.tlsSecret!.urn)).toMatch(/::cert-tls$/);
    expect(certificate.children.tlsSecret).toBe(certificate.tlsSecret);
    expect(certificate.children.certificate).toBeUndefined();
    const secret = expectOnlyTlsSecretInNamespace(r);
    expect(secret.inputs.metadata.annotations).toEqual({
      "reflector.example.com/allowed": "false",
    });
    expect(r.get(TLS.SelfSignedCert, "cert-cert").inputs.validityPeriodHours).toBe(48);
    expectChildrenParented(r);
  });

  it("in acme mode exposes cert-manager's objects and no TLS Secret of its own", async () => {
    const r = await run({
      mode: "acme",
      email: "ops@example.com",
      cloudflareApiToken: pulumi.secret("cf-token-value"),
      installCertManager: true,
    });
    const { children } = r.result;
    expect(r.result.tlsSecret).toBeUndefined();
    expect(await valueOf(children.certManagerRelease!.urn)).toMatch(/::cert-cert-manager$/);
    expect(await valueOf(children.cloudflareTokenSecret!.urn)).toMatch(/::cert-cloudflare-token$/);
    expect(await valueOf(children.clusterIssuer!.urn)).toMatch(/::cert-issuer$/);
    expect(await valueOf(children.certificate!.urn)).toMatch(/::cert-certificate$/);
  });
});
