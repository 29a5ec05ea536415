/**
 * WildcardCertificate's args, and the one function that checks them and fills their defaults
 * before anything is registered: every problem gathered into one ComponentArgsError.
 */
import { X509Certificate, createPrivateKey } from "node:crypto";
import type * as cloudflare from "@pulumi/cloudflare";
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type * as tls from "@pulumi/tls";
import { CERTIFICATE_DEFAULTS, ORIGIN_CA_VALIDITY_DAYS } from "../../model/edge-defaults";
import { isDnsName } from "../../model/names";
import { showReceived } from "../../model/rules/config-problem";
import { assertNoProblems } from "../component-args-error";
import type { Transform } from "../transform";

/** The component's class name, as its errors name it. */
export const WILDCARD_CERTIFICATE_COMPONENT = "WildcardCertificate";

/** How the certificate is obtained. */
export type CertificateMode = "self-signed" | "provided" | "acme" | "cloudflare-origin-ca";

export const CERTIFICATE_MODES: readonly CertificateMode[] = [
  "self-signed",
  "provided",
  "acme",
  "cloudflare-origin-ca",
];

/** The validities Cloudflare's Origin CA issues, in days (model/edge-defaults.ts). */
export { ORIGIN_CA_VALIDITY_DAYS };

/** Adjust a child before it is registered; see components/transform.ts. */
export interface WildcardCertificateTransforms {
  /** The `kubernetes.io/tls` Secret (`{name}-tls`); not in `acme` mode, where cert-manager writes it. */
  readonly secret?: Transform<k8s.core.v1.SecretArgs>;
  /** The generated private key (`{name}-key`), in `self-signed` and `cloudflare-origin-ca`. */
  readonly privateKey?: Transform<tls.PrivateKeyArgs>;
  /** The self-signed certificate (`{name}-cert`). */
  readonly selfSignedCert?: Transform<tls.SelfSignedCertArgs>;
  /** The certificate signing request (`{name}-csr`), in `cloudflare-origin-ca`. */
  readonly certRequest?: Transform<tls.CertRequestArgs>;
  /** The Origin CA certificate (`{name}-origin-ca`). */
  readonly originCaCertificate?: Transform<cloudflare.OriginCaCertificateArgs>;
  /** The cert-manager Helm release (`{name}-cert-manager`), with `installCertManager`. */
  readonly certManager?: Transform<k8s.helm.v3.ReleaseArgs>;
  /** The Cloudflare token Secret for the DNS-01 solver (`{name}-cloudflare-token`). */
  readonly cloudflareTokenSecret?: Transform<k8s.core.v1.SecretArgs>;
  /** The ClusterIssuer (`{name}-issuer`). */
  readonly clusterIssuer?: Transform<k8s.apiextensions.CustomResourceArgs>;
  /** The cert-manager Certificate (`{name}-certificate`). */
  readonly certificate?: Transform<k8s.apiextensions.CustomResourceArgs>;
}

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
   * @default CERTIFICATE_DEFAULTS.validityHours (model/edge-defaults.ts): 8760, the schema's too
   */
  readonly validityHours?: number;

  /** `provided`: the PEM certificate chain, leaf first. Required in that mode. @default none */
  readonly certificatePem?: string;
  /**
   * `provided`: the PEM private key of that certificate; kept secret. Required in that mode.
   * @default none
   */
  readonly privateKeyPem?: pulumi.Input<string>;

  /** `acme`: the ACME account's email address. Required in that mode. @default none */
  readonly email?: string;
  /**
   * `acme`: the ACME directory URL.
   * @default CERTIFICATE_DEFAULTS.server: Let's Encrypt's production directory
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
   * @default CERTIFICATE_DEFAULTS.certManagerVersion: "v1.16.2"
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
   * @default none
   */
  readonly cloudflareApiToken?: pulumi.Input<string>;

  /**
   * `cloudflare-origin-ca`: key type of the Origin CA certificate.
   * @default CERTIFICATE_DEFAULTS.requestType: "origin-ecc"
   */
  readonly requestType?: "origin-rsa" | "origin-ecc";
  /**
   * `cloudflare-origin-ca`: days the certificate is valid, one of {@link ORIGIN_CA_VALIDITY_DAYS}.
   * @default CERTIFICATE_DEFAULTS.validityDays: 5475
   */
  readonly validityDays?: number;
  /** Adjust the children before they are registered. @default no change */
  readonly transform?: WildcardCertificateTransforms;
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

/** A problem with a provided certificate or key: which arg, and what is wrong with it. */
export interface ProvidedCertificateProblem {
  readonly field: "certificatePem" | "privateKeyPem";
  readonly message: string;
}

/**
 * Problems with a provided certificate and key: unparseable PEM, names not covered, or a key
 * that does not belong to the certificate (nginx would refuse to start with it). Never quotes
 * the key. Without the key (a secret the stack config's check cannot read), only the
 * certificate is checked: stacks/config/rules/provided-certificate.ts.
 */
export function providedCertificateProblems(
  domain: string,
  certificatePem: string,
  privateKeyPem?: string,
): ProvidedCertificateProblem[] {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificatePem);
  } catch (err) {
    return [
      {
        field: "certificatePem",
        message: `is not a PEM certificate (${(err as Error).message})`,
      },
    ];
  }
  const problems: ProvidedCertificateProblem[] = [];
  const sans = (cert.subjectAltName ?? "")
    .split(/,\s*/)
    .filter((s) => s.startsWith("DNS:"))
    .map((s) => s.slice(4).toLowerCase());
  const missing = wildcardDnsNames(domain).filter((n) => !sans.includes(n));
  if (missing.length > 0) {
    problems.push({
      field: "certificatePem",
      message: `does not cover ${missing.join(" and ")} (its DNS names: ${sans.join(", ") || "none"}); issue one for both *.${domain} and ${domain}`,
    });
  }
  if (privateKeyPem !== undefined) {
    let matches = false;
    try {
      matches = cert.checkPrivateKey(createPrivateKey(privateKeyPem));
    } catch {
      problems.push({ field: "privateKeyPem", message: "is not a PEM private key" });
      return problems;
    }
    if (!matches) {
      problems.push({ field: "privateKeyPem", message: "is not the key of certificatePem" });
    }
  }
  return problems;
}

/** {@link providedCertificateProblems}, each as `field: message`: what the component says. */
export function checkProvidedCertificate(
  domain: string,
  certificatePem: string,
  privateKeyPem?: string,
): string[] {
  return providedCertificateProblems(domain, certificatePem, privateKeyPem).map(
    (problem) => `${problem.field}: ${problem.message}`,
  );
}

/** The args checked, with every default filled in. */
export interface ResolvedWildcardCertificateArgs {
  readonly namespace: pulumi.Input<string>;
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
  /** `provided` only. */
  readonly certificatePem?: string;
  /** `provided` only. */
  readonly privateKeyPem?: pulumi.Input<string>;
  /** `acme` only. */
  readonly cloudflareApiToken?: pulumi.Input<string>;
  readonly transform: WildcardCertificateTransforms;
}

/** A value from the caller (config), quoted the way every config error quotes one. */
const show = showReceived;
/** A value of ours (a mode name): always shown. */
const quote = (value: string) => JSON.stringify(value);

/** Problems that concern every mode: the mode itself, the domain, the Secret's name, strays. */
function commonProblems(args: WildcardCertificateArgs, secretName: string): string[] {
  const problems: string[] = [];
  if (!CERTIFICATE_MODES.includes(args.mode)) {
    problems.push(
      `mode ${show(args.mode)}: must be one of ${CERTIFICATE_MODES.map(quote).join(", ")}`,
    );
  }
  if (typeof args.domain !== "string" || !isDnsName(args.domain)) {
    problems.push(
      `domain ${show(args.domain)}: must be a lowercase DNS name such as agents.example.com`,
    );
  }
  if (secretName.length > 253 || !DNS_SUBDOMAIN.test(secretName)) {
    problems.push(
      `secretName ${show(secretName)}: must be a Kubernetes object name (a-z, 0-9, '-', '.'), at most 253 characters`,
    );
  }
  for (const [other, fields] of Object.entries(MODE_FIELDS)) {
    if (other === args.mode) continue;
    for (const field of fields) {
      if (args[field] !== undefined) {
        problems.push(
          `${field}: only applies to mode ${quote(other)}, but mode is ${show(args.mode)}`,
        );
      }
    }
  }
  return problems;
}

function selfSignedProblems(validityHours: number): string[] {
  return Number.isInteger(validityHours) && validityHours >= 1
    ? []
    : [`validityHours ${show(validityHours)}: must be a whole number of hours, at least 1`];
}

function providedProblems(args: WildcardCertificateArgs): string[] {
  const problems: string[] = [];
  if (args.certificatePem === undefined || args.certificatePem.trim() === "") {
    problems.push(
      `mode "provided" needs certificatePem (the PEM certificate chain for *.${args.domain} and ${args.domain}); set tls.certificate in the stack config`,
    );
  } else if (!args.certificatePem.trimStart().startsWith("-----BEGIN CERTIFICATE-----")) {
    problems.push(
      "certificatePem: must be a PEM certificate starting with -----BEGIN CERTIFICATE-----",
    );
  } else if (isDnsName(args.domain)) {
    // A key given as an Output (secret config) is checked when it is known (the component).
    const key = typeof args.privateKeyPem === "string" ? args.privateKeyPem : undefined;
    problems.push(...checkProvidedCertificate(args.domain, args.certificatePem, key));
  }
  if (args.privateKeyPem === undefined || args.privateKeyPem === "") {
    problems.push(
      `mode "provided" needs privateKeyPem (the certificate's PEM key); set it with: pulumi config set --secret tlsPrivateKey < key.pem`,
    );
  }
  return problems;
}

function acmeProblems(
  args: WildcardCertificateArgs,
  server: string,
  certManagerVersion: string,
  certManagerNamespace: string,
): string[] {
  const problems: string[] = [];
  if (args.email === undefined || args.email === "") {
    problems.push(`mode "acme" needs email (the ACME account's address, for expiry notices)`);
  } else if (!EMAIL.test(args.email)) {
    problems.push(`email ${show(args.email)}: must be an email address for the ACME account`);
  }
  if (!/^https:\/\/[^\s/]+/.test(server)) {
    problems.push(`server ${show(server)}: must be an https:// ACME directory URL`);
  }
  if (args.cloudflareApiToken === undefined || args.cloudflareApiToken === "") {
    problems.push(
      `mode "acme" needs cloudflareApiToken (a Cloudflare API token with Zone:DNS:Edit on the zone of ${args.domain}) for the DNS-01 solver`,
    );
  }
  const version = CERT_MANAGER_VERSION.exec(certManagerVersion);
  if (
    version === null ||
    Number(version[1]) < 1 ||
    (Number(version[1]) === 1 && Number(version[2]) < 15)
  ) {
    problems.push(
      `certManagerVersion ${show(certManagerVersion)}: must be a pinned chart version v1.15.0 or later, like v1.16.2`,
    );
  }
  if (certManagerNamespace.length > 63 || !DNS_LABEL_1123.test(certManagerNamespace)) {
    problems.push(
      `certManagerNamespace ${show(certManagerNamespace)}: must be a namespace name (a DNS label)`,
    );
  }
  return problems;
}

function originCaProblems(requestType: string, validityDays: number): string[] {
  const problems: string[] = [];
  if (requestType !== "origin-rsa" && requestType !== "origin-ecc") {
    problems.push(`requestType ${show(requestType)}: must be "origin-rsa" or "origin-ecc"`);
  }
  if (!(ORIGIN_CA_VALIDITY_DAYS as readonly number[]).includes(validityDays)) {
    problems.push(
      `validityDays ${show(validityDays)}: must be one of ${ORIGIN_CA_VALIDITY_DAYS.join(", ")} (what Cloudflare's Origin CA issues)`,
    );
  }
  return problems;
}

/**
 * Checks WildcardCertificate's args and fills their defaults. Throws one ComponentArgsError
 * listing every problem before anything exists.
 */
export function resolveWildcardCertificateArgs(
  name: string,
  args: WildcardCertificateArgs,
): ResolvedWildcardCertificateArgs {
  const secretName = args.secretName ?? "wildcard-tls";
  const validityHours = args.validityHours ?? CERTIFICATE_DEFAULTS.validityHours;
  const server = args.server ?? CERTIFICATE_DEFAULTS.server;
  const certManagerVersion = args.certManagerVersion ?? CERTIFICATE_DEFAULTS.certManagerVersion;
  const certManagerNamespace = args.certManagerNamespace ?? "cert-manager";
  const requestType = args.requestType ?? CERTIFICATE_DEFAULTS.requestType;
  const validityDays = args.validityDays ?? CERTIFICATE_DEFAULTS.validityDays;
  const modeProblems: Record<CertificateMode, () => string[]> = {
    "self-signed": () => selfSignedProblems(validityHours),
    provided: () => providedProblems(args),
    acme: () => acmeProblems(args, server, certManagerVersion, certManagerNamespace),
    "cloudflare-origin-ca": () => originCaProblems(requestType, validityDays),
  };
  assertNoProblems(WILDCARD_CERTIFICATE_COMPONENT, name, [
    ...commonProblems(args, secretName),
    ...(modeProblems[args.mode]?.() ?? []),
  ]);
  return {
    namespace: args.namespace,
    domain: args.domain,
    mode: args.mode,
    secretName,
    validityHours,
    email: args.email ?? "",
    server,
    installCertManager: args.installCertManager ?? false,
    certManagerVersion,
    certManagerNamespace,
    requestType,
    validityDays,
    certificatePem: args.certificatePem,
    privateKeyPem: args.privateKeyPem,
    cloudflareApiToken: args.cloudflareApiToken,
    transform: args.transform ?? {},
  };
}
