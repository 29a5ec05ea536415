/**
 * The platform's one TLS certificate: `*.{domain}` and `{domain}`, stored as a
 * `kubernetes.io/tls` Secret in the proxy's namespace and nowhere else. TLS terminates at the
 * proxy only, so no tenant namespace ever holds a certificate or key.
 */
import { X509Certificate, createPrivateKey } from "node:crypto";
import * as cloudflare from "@pulumi/cloudflare";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { isDnsName } from "../../model/names";

export const WILDCARD_CERTIFICATE_TYPE = "agent-cloud:edge:WildcardCertificate";

/** How the certificate is obtained. */
export type CertificateMode = "self-signed" | "provided" | "acme" | "cloudflare-origin-ca";

export const CERTIFICATE_MODES: readonly CertificateMode[] = [
  "self-signed",
  "provided",
  "acme",
  "cloudflare-origin-ca",
];

/** The validities Cloudflare's Origin CA issues, in days. */
export const ORIGIN_CA_VALIDITY_DAYS: readonly number[] = [7, 30, 90, 365, 730, 1095, 5475];

/** Where cert-manager's chart comes from. */
export const CERT_MANAGER_CHART_REPO = "https://charts.jetstack.io";

/** Key in the token Secret that the DNS-01 solver reads. */
export const CLOUDFLARE_TOKEN_KEY = "api-token";

export interface WildcardCertificateArgs {
  /** Namespace of the proxy (created by the platform); the TLS Secret is created here only. */
  readonly namespace: pulumi.Input<string>;
  /** Platform domain, e.g. `agents.example.com`; the certificate covers `*.{domain}` and `{domain}`. */
  readonly domain: string;
  /** How the certificate is obtained; each mode reads only its own fields below. */
  readonly mode: CertificateMode;
  /**
   * Name of the `kubernetes.io/tls` Secret the proxy mounts.
   * @default "wildcard-tls"
   */
  readonly secretName?: string;

  /**
   * `self-signed`: hours the certificate is valid. Plain (not an Input) because it is validated here.
   * @default 8760
   */
  readonly validityHours?: number;

  /** `provided`: the PEM certificate chain, leaf first. Required in that mode. */
  readonly certificatePem?: string;
  /** `provided`: the PEM private key of that certificate; kept secret. Required in that mode. */
  readonly privateKeyPem?: pulumi.Input<string>;

  /** `acme`: the ACME account's email address. Required in that mode. */
  readonly email?: string;
  /**
   * `acme`: the ACME directory URL.
   * @default "https://acme-v02.api.letsencrypt.org/directory"
   */
  readonly server?: string;
  /**
   * `acme`: install cert-manager (jetstack Helm chart, CRDs included); leave false when the cluster
   * already runs it.
   * @default false
   */
  readonly installCertManager?: boolean;
  /**
   * `acme`: the cert-manager chart version to install, pinned (`v1.16.2`, not a range).
   * @default "v1.16.2"
   */
  readonly certManagerVersion?: string;
  /**
   * `acme`: the namespace cert-manager runs in (its cluster resource namespace), where the
   * Cloudflare token Secret for the ClusterIssuer must live.
   * @default "cert-manager"
   */
  readonly certManagerNamespace?: string;
  /**
   * `acme`: a Cloudflare API token with `Zone:DNS:Edit` on the domain's zone, for the DNS-01
   * solver; kept secret. Required in that mode.
   */
  readonly cloudflareApiToken?: pulumi.Input<string>;

  /**
   * `cloudflare-origin-ca`: key type of the Origin CA certificate.
   * @default "origin-ecc"
   */
  readonly requestType?: "origin-rsa" | "origin-ecc";
  /**
   * `cloudflare-origin-ca`: days the certificate is valid, one of {@link ORIGIN_CA_VALIDITY_DAYS}.
   * @default 5475
   */
  readonly validityDays?: number;
}

/** Which optional args belong to which mode, so a field given for another mode is reported. */
const MODE_FIELDS: Record<CertificateMode, readonly (keyof WildcardCertificateArgs)[]> = {
  "self-signed": ["validityHours"],
  provided: ["certificatePem", "privateKeyPem"],
  acme: [
    "email",
    "server",
    "installCertManager",
    "certManagerVersion",
    "certManagerNamespace",
    "cloudflareApiToken",
  ],
  "cloudflare-origin-ca": ["requestType", "validityDays"],
};

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
/** Pinned chart versions with `crds.enabled` (added in cert-manager v1.15). */
const CERT_MANAGER_VERSION = /^v(\d+)\.(\d+)\.(\d+)$/;

/** The names the certificate must cover for `domain`. */
export function wildcardDnsNames(domain: string): [string, string] {
  return [`*.${domain}`, domain];
}

/**
 * Problems with a provided certificate and key: unparseable PEM, names not covered, or a key
 * that does not belong to the certificate (nginx would refuse to start with it). Never quotes
 * the key.
 */
export function checkProvidedCertificate(
  domain: string,
  certificatePem: string,
  privateKeyPem?: string,
): string[] {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificatePem);
  } catch (err) {
    return [`certificatePem: is not a PEM certificate (${(err as Error).message})`];
  }
  const issues: string[] = [];
  const sans = (cert.subjectAltName ?? "")
    .split(/,\s*/)
    .filter((s) => s.startsWith("DNS:"))
    .map((s) => s.slice(4).toLowerCase());
  const missing = wildcardDnsNames(domain).filter((n) => !sans.includes(n));
  if (missing.length > 0) {
    issues.push(
      `certificatePem: does not cover ${missing.join(" and ")} (its DNS names: ${sans.join(", ") || "none"}); issue one for both *.${domain} and ${domain}`,
    );
  }
  if (privateKeyPem !== undefined) {
    let matches = false;
    try {
      matches = cert.checkPrivateKey(createPrivateKey(privateKeyPem));
    } catch {
      issues.push("privateKeyPem: is not a PEM private key");
      return issues;
    }
    if (!matches) issues.push("privateKeyPem: is not the key of certificatePem");
  }
  return issues;
}

interface Resolved {
  readonly domain: string;
  readonly mode: CertificateMode;
  readonly secretName: string;
  readonly validityHours: number;
  readonly email: string;
  readonly server: string;
  readonly installCertManager: boolean;
  readonly certManagerVersion: string;
  readonly certManagerNamespace: string;
  readonly requestType: "origin-rsa" | "origin-ecc";
  readonly validityDays: number;
}

/** Checks args and fills defaults; throws one error listing every problem. */
function resolveArgs(name: string, args: WildcardCertificateArgs): Resolved {
  const issues: string[] = [];
  const mode = args.mode;
  const q = (v: unknown) => JSON.stringify(v);
  if (!CERTIFICATE_MODES.includes(mode)) {
    issues.push(`mode ${q(mode)}: must be one of ${CERTIFICATE_MODES.map(q).join(", ")}`);
  }
  if (typeof args.domain !== "string" || !isDnsName(args.domain)) {
    issues.push(
      `domain ${q(args.domain)}: must be a lowercase DNS name such as agents.example.com`,
    );
  }
  const secretName = args.secretName ?? "wildcard-tls";
  if (secretName.length > 253 || !DNS_SUBDOMAIN.test(secretName)) {
    issues.push(
      `secretName ${q(secretName)}: must be a Kubernetes object name (a-z, 0-9, '-', '.'), at most 253 characters`,
    );
  }
  for (const [other, fields] of Object.entries(MODE_FIELDS)) {
    if (other === mode) continue;
    for (const field of fields) {
      if (args[field] !== undefined) {
        issues.push(`${field}: only applies to mode ${q(other)}, but mode is ${q(mode)}`);
      }
    }
  }

  const validityHours = args.validityHours ?? 8760;
  const server = args.server ?? "https://acme-v02.api.letsencrypt.org/directory";
  const certManagerVersion = args.certManagerVersion ?? "v1.16.2";
  const certManagerNamespace = args.certManagerNamespace ?? "cert-manager";
  const requestType = args.requestType ?? "origin-ecc";
  const validityDays = args.validityDays ?? 5475;
  switch (mode) {
    case "self-signed":
      if (!Number.isInteger(validityHours) || validityHours < 1) {
        issues.push(
          `validityHours ${q(validityHours)}: must be a whole number of hours, at least 1`,
        );
      }
      break;
    case "provided":
      if (args.certificatePem === undefined || args.certificatePem.trim() === "") {
        issues.push(
          `mode "provided" needs certificatePem (the PEM certificate chain for *.${args.domain} and ${args.domain}); set tls.certificate in the stack config`,
        );
      } else if (!args.certificatePem.trimStart().startsWith("-----BEGIN CERTIFICATE-----")) {
        issues.push(
          "certificatePem: must be a PEM certificate starting with -----BEGIN CERTIFICATE-----",
        );
      } else if (isDnsName(args.domain)) {
        const key = typeof args.privateKeyPem === "string" ? args.privateKeyPem : undefined;
        issues.push(...checkProvidedCertificate(args.domain, args.certificatePem, key));
      }
      if (args.privateKeyPem === undefined || args.privateKeyPem === "") {
        issues.push(
          `mode "provided" needs privateKeyPem (the certificate's PEM key); set it with: pulumi config set --secret tlsPrivateKey < key.pem`,
        );
      }
      break;
    case "acme":
      if (args.email === undefined || args.email === "") {
        issues.push(`mode "acme" needs email (the ACME account's address, for expiry notices)`);
      } else if (!EMAIL.test(args.email)) {
        issues.push(`email ${q(args.email)}: must be an email address for the ACME account`);
      }
      if (!/^https:\/\/[^\s/]+/.test(server)) {
        issues.push(`server ${q(server)}: must be an https:// ACME directory URL`);
      }
      if (args.cloudflareApiToken === undefined || args.cloudflareApiToken === "") {
        issues.push(
          `mode "acme" needs cloudflareApiToken (a Cloudflare API token with Zone:DNS:Edit on the zone of ${args.domain}) for the DNS-01 solver`,
        );
      }
      {
        const v = CERT_MANAGER_VERSION.exec(certManagerVersion);
        if (v === null || Number(v[1]) < 1 || (Number(v[1]) === 1 && Number(v[2]) < 15)) {
          issues.push(
            `certManagerVersion ${q(certManagerVersion)}: must be a pinned chart version v1.15.0 or later, like v1.16.2`,
          );
        }
      }
      if (certManagerNamespace.length > 63 || !DNS_LABEL_1123.test(certManagerNamespace)) {
        issues.push(
          `certManagerNamespace ${q(certManagerNamespace)}: must be a namespace name (a DNS label)`,
        );
      }
      break;
    case "cloudflare-origin-ca":
      if (requestType !== "origin-rsa" && requestType !== "origin-ecc") {
        issues.push(`requestType ${q(requestType)}: must be "origin-rsa" or "origin-ecc"`);
      }
      if (!ORIGIN_CA_VALIDITY_DAYS.includes(validityDays)) {
        issues.push(
          `validityDays ${q(validityDays)}: must be one of ${ORIGIN_CA_VALIDITY_DAYS.join(", ")} (what Cloudflare's Origin CA issues)`,
        );
      }
      break;
  }
  if (issues.length > 0) {
    throw new Error(`WildcardCertificate ${q(name)}: ${issues.join("; ")}`);
  }
  return {
    domain: args.domain,
    mode,
    secretName,
    validityHours,
    email: args.email ?? "",
    server,
    installCertManager: args.installCertManager ?? false,
    certManagerVersion,
    certManagerNamespace,
    requestType,
    validityDays,
  };
}

/** CN is legacy (clients match SANs) and limited to 64 characters; set it only when it fits. */
function subjectFor(domain: string): { commonName?: string; organization: string } {
  return domain.length <= 64
    ? { commonName: domain, organization: "agent-cloud" }
    : { organization: "agent-cloud" };
}

/**
 * The wildcard certificate of the platform domain, as a `kubernetes.io/tls` Secret in the proxy's
 * namespace.
 */
export class WildcardCertificate extends pulumi.ComponentResource {
  /** Name of the `kubernetes.io/tls` Secret in `namespace`; resolves once the Secret is there. */
  public readonly secretName: pulumi.Output<string>;
  /** The certificate chain in PEM, where Pulumi knows it (not in `acme` mode: cert-manager holds it). */
  public readonly certificatePem?: pulumi.Output<string>;
  /** The names the certificate covers: `*.{domain}` and `{domain}`. */
  public readonly dnsNames: pulumi.Output<string[]>;

  constructor(name: string, args: WildcardCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering, so a bad config leaves nothing half-made in the state.
    const a = resolveArgs(name, args);
    super(WILDCARD_CERTIFICATE_TYPE, name, {}, opts);

    const dnsNames = wildcardDnsNames(a.domain);
    const labels = {
      "app.kubernetes.io/part-of": "agent-cloud",
      "app.kubernetes.io/component": "wildcard-certificate",
      "app.kubernetes.io/managed-by": "pulumi",
    };
    const tlsSecret = (certPem: pulumi.Input<string>, keyPem: pulumi.Input<string>) =>
      new k8s.core.v1.Secret(
        `${name}-tls`,
        {
          metadata: { name: a.secretName, namespace: args.namespace, labels },
          type: "kubernetes.io/tls",
          // The SDK marks all of stringData secret, so the key is never stored in clear.
          stringData: { "tls.crt": certPem, "tls.key": keyPem },
        },
        { parent: this },
      );

    switch (a.mode) {
      case "self-signed": {
        const key = new tls.PrivateKey(
          `${name}-key`,
          { algorithm: "ECDSA", ecdsaCurve: "P256" },
          { parent: this },
        );
        // Secret already: the tls SDK lists privateKeyPem in additionalSecretOutputs.
        const keyPem = key.privateKeyPem;
        const cert = new tls.SelfSignedCert(
          `${name}-cert`,
          {
            privateKeyPem: keyPem,
            dnsNames,
            subject: subjectFor(a.domain),
            validityPeriodHours: a.validityHours,
            // ECDSA keys sign, they do not encipher: digital_signature is the key usage TLS
            // needs. The provider takes these names in snake_case only.
            allowedUses: ["digital_signature", "server_auth"],
          },
          { parent: this },
        );
        this.certificatePem = cert.certPem;
        this.secretName = tlsSecret(cert.certPem, keyPem).metadata.name;
        break;
      }
      case "provided": {
        const certificatePem = args.certificatePem as string;
        // Secret from the moment it is read, even when the caller passed a plain string.
        const keyPem = pulumi.secret(args.privateKeyPem as pulumi.Input<string>).apply((k) => {
          // The key usually arrives as an Output (secret config), so it is checked here: fail
          // the update rather than ship a pair nginx would refuse to load.
          const issues = checkProvidedCertificate(a.domain, certificatePem, k);
          if (issues.length > 0) {
            throw new Error(`WildcardCertificate ${JSON.stringify(name)}: ${issues.join("; ")}`);
          }
          return k;
        });
        this.certificatePem = pulumi.output(certificatePem);
        this.secretName = tlsSecret(certificatePem, keyPem).metadata.name;
        break;
      }
      case "cloudflare-origin-ca": {
        const key = new tls.PrivateKey(
          `${name}-key`,
          a.requestType === "origin-rsa"
            ? { algorithm: "RSA", rsaBits: 2048 }
            : { algorithm: "ECDSA", ecdsaCurve: "P256" },
          { parent: this },
        );
        // Secret already: the tls SDK lists privateKeyPem in additionalSecretOutputs.
        const keyPem = key.privateKeyPem;
        const csr = new tls.CertRequest(
          `${name}-csr`,
          { privateKeyPem: keyPem, dnsNames, subject: subjectFor(a.domain) },
          { parent: this },
        );
        // Only Cloudflare's edge trusts this CA: the DNS records must be proxied.
        const originCa = new cloudflare.OriginCaCertificate(
          `${name}-origin-ca`,
          {
            csr: csr.certRequestPem,
            hostnames: dnsNames,
            requestType: a.requestType,
            requestedValidity: a.validityDays,
          },
          { parent: this },
        );
        this.certificatePem = originCa.certificate;
        this.secretName = tlsSecret(originCa.certificate, keyPem).metadata.name;
        break;
      }
      case "acme":
        this.secretName = this.acme(name, a, args, dnsNames, labels);
        break;
    }
    this.dnsNames = pulumi.output(dnsNames);

    this.registerOutputs({
      secretName: this.secretName,
      certificatePem: this.certificatePem,
      dnsNames: this.dnsNames,
    });
  }

  /**
   * cert-manager issues and renews the certificate in the cluster, so the key never passes
   * through Pulumi. Returns the TLS Secret's name once the Certificate is Ready.
   */
  private acme(
    name: string,
    a: Resolved,
    args: WildcardCertificateArgs,
    dnsNames: string[],
    labels: Record<string, string>,
  ): pulumi.Output<string> {
    const release = a.installCertManager
      ? new k8s.helm.v3.Release(
          `${name}-cert-manager`,
          {
            // cert-manager is a cluster singleton (CRDs, webhook): one fixed release name.
            name: "cert-manager",
            chart: "cert-manager",
            version: a.certManagerVersion,
            repositoryOpts: { repo: CERT_MANAGER_CHART_REPO },
            namespace: a.certManagerNamespace,
            createNamespace: true,
            // keep: uninstalling the chart must not delete the CRDs, which would delete every
            // Certificate in the cluster with them.
            values: { crds: { enabled: true, keep: true } },
          },
          { parent: this },
        )
      : undefined;
    const afterRelease = release === undefined ? [] : [release];

    // Cluster-scoped and cert-manager-namespace names are shared by every environment on the
    // cluster; prefixing them with the proxy's namespace (one per environment) keeps them apart.
    const prefix = pulumi.output(args.namespace);
    const token = new k8s.core.v1.Secret(
      `${name}-cloudflare-token`,
      {
        metadata: {
          name: pulumi.interpolate`${prefix}-cloudflare-api-token`,
          namespace: a.certManagerNamespace,
          labels,
        },
        type: "Opaque",
        // Secret in state: the SDK marks stringData secret.
        stringData: { [CLOUDFLARE_TOKEN_KEY]: args.cloudflareApiToken as pulumi.Input<string> },
      },
      { parent: this, dependsOn: afterRelease },
    );
    // Ready means the ACME account is registered; without waitFor Pulumi would not wait for it.
    const ready = { "pulumi.com/waitFor": "condition=Ready" };
    const issuer = new k8s.apiextensions.CustomResource(
      `${name}-issuer`,
      {
        apiVersion: "cert-manager.io/v1",
        kind: "ClusterIssuer",
        metadata: { name: pulumi.interpolate`${prefix}-acme`, labels, annotations: ready },
        spec: {
          acme: {
            email: a.email,
            server: a.server,
            privateKeySecretRef: { name: pulumi.interpolate`${prefix}-acme-account-key` },
            solvers: [
              {
                selector: { dnsZones: [a.domain] },
                dns01: {
                  cloudflare: {
                    apiTokenSecretRef: { name: token.metadata.name, key: CLOUDFLARE_TOKEN_KEY },
                  },
                },
              },
            ],
          },
        },
      },
      { parent: this, dependsOn: [...afterRelease, token] },
    );
    const certificate = new k8s.apiextensions.CustomResource(
      `${name}-certificate`,
      {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        // Named like its Secret, so `kubectl get certificate` shows which Secret it fills.
        metadata: { name: a.secretName, namespace: args.namespace, labels, annotations: ready },
        spec: {
          secretName: a.secretName,
          secretTemplate: { labels },
          dnsNames,
          issuerRef: {
            group: "cert-manager.io",
            kind: "ClusterIssuer",
            name: issuer.metadata.name,
          },
          privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        },
      },
      { parent: this, dependsOn: [...afterRelease, issuer] },
    );
    // The Certificate and its Secret share one name; reading it off the Certificate makes
    // dependents wait until the Certificate is Ready, i.e. the Secret exists.
    return certificate.metadata.name;
  }
}
