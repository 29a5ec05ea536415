/**
 * The platform's one TLS certificate: `*.{domain}` and `{domain}`, stored as a
 * `kubernetes.io/tls` Secret in the proxy's namespace and nowhere else. TLS terminates at the
 * proxy only, so no tenant namespace ever holds a certificate or key. Args and their checks:
 * wildcard-certificate-args.ts.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { ComponentArgsError } from "../component-args-error";
import { createChild } from "../create-child";
import {
  checkProvidedCertificate,
  type ResolvedWildcardCertificateArgs,
  resolveWildcardCertificateArgs,
  WILDCARD_CERTIFICATE_COMPONENT,
  type WildcardCertificateArgs,
  wildcardDnsNames,
} from "./wildcard-certificate-args";

export * from "./wildcard-certificate-args";

export const WILDCARD_CERTIFICATE_TYPE = "agent-cloud:edge:WildcardCertificate";

/** Where cert-manager's chart comes from. */
export const CERT_MANAGER_CHART_REPO = "https://charts.jetstack.io";

/** Key in the token Secret that the DNS-01 solver reads. */
export const CLOUDFLARE_TOKEN_KEY = "api-token";

const LABELS = {
  "app.kubernetes.io/part-of": "agent-cloud",
  "app.kubernetes.io/component": "wildcard-certificate",
  "app.kubernetes.io/managed-by": "pulumi",
};

/** Ready means the ACME account is registered; without waitFor Pulumi would not wait for it. */
const READY = { "pulumi.com/waitFor": "condition=Ready" };

/** CN is legacy (clients match SANs) and limited to 64 characters; set it only when it fits. */
function subjectFor(domain: string): { commonName?: string; organization: string } {
  return domain.length <= 64
    ? { commonName: domain, organization: "agent-cloud" }
    : { organization: "agent-cloud" };
}

/** The children a mode creates; each is set only in the modes that create it. */
export interface WildcardCertificateChildren {
  /** The `kubernetes.io/tls` Secret; not in `acme` mode, where cert-manager writes it. */
  readonly tlsSecret?: k8s.core.v1.Secret;
  /** The generated key, in `self-signed` and `cloudflare-origin-ca` modes. */
  readonly privateKey?: tls.PrivateKey;
  /** `self-signed`: the certificate. */
  readonly selfSignedCert?: tls.SelfSignedCert;
  /** `cloudflare-origin-ca`: the signing request. */
  readonly certRequest?: tls.CertRequest;
  /** `cloudflare-origin-ca`: the certificate Cloudflare issued. */
  readonly originCaCertificate?: cloudflare.OriginCaCertificate;
  /** `acme` with `installCertManager`: cert-manager's Helm release. */
  readonly certManagerRelease?: k8s.helm.v3.Release;
  /** `acme`: the DNS-01 solver's Cloudflare token. */
  readonly cloudflareTokenSecret?: k8s.core.v1.Secret;
  /** `acme`: the ClusterIssuer. */
  readonly clusterIssuer?: k8s.apiextensions.CustomResource;
  /** `acme`: the cert-manager Certificate. */
  readonly certificate?: k8s.apiextensions.CustomResource;
}

/** What a mode produced: the certificate where Pulumi knows it, the Secret's name, children. */
interface IssuedCertificate {
  readonly certificatePem?: pulumi.Output<string>;
  readonly secretName: pulumi.Output<string>;
  readonly children: WildcardCertificateChildren;
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
  /** The children the mode created (see {@link WildcardCertificateChildren}). */
  public readonly children: WildcardCertificateChildren;
  /** The `kubernetes.io/tls` Secret; not in `acme` mode, where cert-manager writes it. */
  public readonly tlsSecret?: k8s.core.v1.Secret;

  constructor(name: string, args: WildcardCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering, so a bad config leaves nothing half-made in the state.
    const resolved = resolveWildcardCertificateArgs(name, args);
    super(WILDCARD_CERTIFICATE_TYPE, name, {}, opts);

    const issued = {
      "self-signed": () => this.createSelfSigned(name, resolved),
      provided: () => this.createProvided(name, resolved),
      "cloudflare-origin-ca": () => this.createOriginCa(name, resolved),
      acme: () => this.createAcme(name, resolved),
    }[resolved.mode]();
    this.certificatePem = issued.certificatePem;
    this.secretName = issued.secretName;
    this.children = issued.children;
    this.tlsSecret = issued.children.tlsSecret;
    this.dnsNames = pulumi.output(wildcardDnsNames(resolved.domain));

    this.registerOutputs({
      secretName: this.secretName,
      certificatePem: this.certificatePem,
      dnsNames: this.dnsNames,
    });
  }

  /** The `kubernetes.io/tls` Secret the proxy mounts. */
  private createTlsSecret(
    name: string,
    r: ResolvedWildcardCertificateArgs,
    certificatePem: pulumi.Input<string>,
    keyPem: pulumi.Input<string>,
  ): k8s.core.v1.Secret {
    return createChild(
      this,
      k8s.core.v1.Secret,
      `${name}-tls`,
      {
        metadata: { name: r.secretName, namespace: r.namespace, labels: { ...LABELS } },
        type: "kubernetes.io/tls",
        // The SDK marks all of stringData secret, so the key is never stored in clear.
        stringData: { "tls.crt": certificatePem, "tls.key": keyPem },
      },
      r.transform.secret,
    );
  }

  private createPrivateKey(
    name: string,
    r: ResolvedWildcardCertificateArgs,
    keyArgs: tls.PrivateKeyArgs,
  ): tls.PrivateKey {
    return createChild(this, tls.PrivateKey, `${name}-key`, keyArgs, r.transform.privateKey);
  }

  private createSelfSigned(name: string, r: ResolvedWildcardCertificateArgs): IssuedCertificate {
    const privateKey = this.createPrivateKey(name, r, { algorithm: "ECDSA", ecdsaCurve: "P256" });
    // Secret already: the tls SDK lists privateKeyPem in additionalSecretOutputs.
    const keyPem = privateKey.privateKeyPem;
    const selfSignedCert = createChild(
      this,
      tls.SelfSignedCert,
      `${name}-cert`,
      {
        privateKeyPem: keyPem,
        dnsNames: wildcardDnsNames(r.domain),
        subject: subjectFor(r.domain),
        validityPeriodHours: r.validityHours,
        // ECDSA keys sign, they do not encipher: digital_signature is the key usage TLS needs.
        // The provider takes these names in snake_case only.
        allowedUses: ["digital_signature", "server_auth"],
      },
      r.transform.selfSignedCert,
    );
    const tlsSecret = this.createTlsSecret(name, r, selfSignedCert.certPem, keyPem);
    return {
      certificatePem: selfSignedCert.certPem,
      secretName: tlsSecret.metadata.name,
      children: { privateKey, selfSignedCert, tlsSecret },
    };
  }

  private createProvided(name: string, r: ResolvedWildcardCertificateArgs): IssuedCertificate {
    const certificatePem = r.certificatePem as string;
    // Secret from the moment it is read, even when the caller passed a plain string.
    const keyPem = pulumi.secret(r.privateKeyPem as pulumi.Input<string>).apply((key) => {
      // The key usually arrives as an Output (secret config), so it is checked here: fail the
      // update rather than ship a pair nginx would refuse to load.
      const problems = checkProvidedCertificate(r.domain, certificatePem, key);
      if (problems.length > 0)
        throw new ComponentArgsError(WILDCARD_CERTIFICATE_COMPONENT, name, problems);
      return key;
    });
    const tlsSecret = this.createTlsSecret(name, r, certificatePem, keyPem);
    return {
      certificatePem: pulumi.output(certificatePem),
      secretName: tlsSecret.metadata.name,
      children: { tlsSecret },
    };
  }

  private createOriginCa(name: string, r: ResolvedWildcardCertificateArgs): IssuedCertificate {
    const dnsNames = wildcardDnsNames(r.domain);
    const privateKey = this.createPrivateKey(
      name,
      r,
      r.requestType === "origin-rsa"
        ? { algorithm: "RSA", rsaBits: 2048 }
        : { algorithm: "ECDSA", ecdsaCurve: "P256" },
    );
    // Secret already: the tls SDK lists privateKeyPem in additionalSecretOutputs.
    const keyPem = privateKey.privateKeyPem;
    const certRequest = createChild(
      this,
      tls.CertRequest,
      `${name}-csr`,
      { privateKeyPem: keyPem, dnsNames, subject: subjectFor(r.domain) },
      r.transform.certRequest,
    );
    // Only Cloudflare's edge trusts this CA: the DNS records must be proxied.
    const originCaCertificate = createChild(
      this,
      cloudflare.OriginCaCertificate,
      `${name}-origin-ca`,
      {
        csr: certRequest.certRequestPem,
        hostnames: dnsNames,
        requestType: r.requestType,
        requestedValidity: r.validityDays,
      },
      r.transform.originCaCertificate,
    );
    const tlsSecret = this.createTlsSecret(name, r, originCaCertificate.certificate, keyPem);
    return {
      certificatePem: originCaCertificate.certificate,
      secretName: tlsSecret.metadata.name,
      children: { privateKey, certRequest, originCaCertificate, tlsSecret },
    };
  }

  /**
   * cert-manager issues and renews the certificate in the cluster, so the key never passes
   * through Pulumi. The Secret's name resolves once the Certificate is Ready.
   */
  private createAcme(name: string, r: ResolvedWildcardCertificateArgs): IssuedCertificate {
    const certManagerRelease = r.installCertManager
      ? this.createCertManagerRelease(name, r)
      : undefined;
    const afterRelease = certManagerRelease === undefined ? [] : [certManagerRelease];
    // Cluster-scoped and cert-manager-namespace names are shared by every environment on the
    // cluster; prefixing them with the proxy's namespace (one per environment) keeps them apart.
    const prefix = pulumi.output(r.namespace);
    const cloudflareTokenSecret = createChild(
      this,
      k8s.core.v1.Secret,
      `${name}-cloudflare-token`,
      {
        metadata: {
          name: pulumi.interpolate`${prefix}-cloudflare-api-token`,
          namespace: r.certManagerNamespace,
          labels: { ...LABELS },
        },
        type: "Opaque",
        // Secret in state: the SDK marks stringData secret.
        stringData: { [CLOUDFLARE_TOKEN_KEY]: r.cloudflareApiToken as pulumi.Input<string> },
      },
      r.transform.cloudflareTokenSecret,
      { dependsOn: afterRelease },
    );
    const clusterIssuer = this.createClusterIssuer(name, r, prefix, cloudflareTokenSecret, [
      ...afterRelease,
      cloudflareTokenSecret,
    ]);
    const certificate = this.createCertManagerCertificate(name, r, clusterIssuer, [
      ...afterRelease,
      clusterIssuer,
    ]);
    // The Certificate and its Secret share one name; reading it off the Certificate makes
    // dependents wait until the Certificate is Ready, i.e. the Secret exists.
    return {
      secretName: certificate.metadata.name,
      children: { certManagerRelease, cloudflareTokenSecret, clusterIssuer, certificate },
    };
  }

  private createCertManagerRelease(
    name: string,
    r: ResolvedWildcardCertificateArgs,
  ): k8s.helm.v3.Release {
    return createChild(
      this,
      k8s.helm.v3.Release,
      `${name}-cert-manager`,
      {
        // cert-manager is a cluster singleton (CRDs, webhook): one fixed release name.
        name: "cert-manager",
        chart: "cert-manager",
        version: r.certManagerVersion,
        repositoryOpts: { repo: CERT_MANAGER_CHART_REPO },
        namespace: r.certManagerNamespace,
        createNamespace: true,
        // keep: uninstalling the chart must not delete the CRDs, which would delete every
        // Certificate in the cluster with them.
        values: { crds: { enabled: true, keep: true } },
      },
      r.transform.certManager,
    );
  }

  private createClusterIssuer(
    name: string,
    r: ResolvedWildcardCertificateArgs,
    prefix: pulumi.Output<string>,
    token: k8s.core.v1.Secret,
    dependsOn: pulumi.Resource[],
  ): k8s.apiextensions.CustomResource {
    return createChild(
      this,
      k8s.apiextensions.CustomResource,
      `${name}-issuer`,
      {
        apiVersion: "cert-manager.io/v1",
        kind: "ClusterIssuer",
        metadata: {
          name: pulumi.interpolate`${prefix}-acme`,
          labels: { ...LABELS },
          annotations: { ...READY },
        },
        spec: {
          acme: {
            email: r.email,
            server: r.server,
            privateKeySecretRef: { name: pulumi.interpolate`${prefix}-acme-account-key` },
            solvers: [
              {
                selector: { dnsZones: [r.domain] },
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
      r.transform.clusterIssuer,
      { dependsOn },
    );
  }

  private createCertManagerCertificate(
    name: string,
    r: ResolvedWildcardCertificateArgs,
    issuer: k8s.apiextensions.CustomResource,
    dependsOn: pulumi.Resource[],
  ): k8s.apiextensions.CustomResource {
    return createChild(
      this,
      k8s.apiextensions.CustomResource,
      `${name}-certificate`,
      {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        // Named like its Secret, so `kubectl get certificate` shows which Secret it fills.
        metadata: {
          name: r.secretName,
          namespace: r.namespace,
          labels: { ...LABELS },
          annotations: { ...READY },
        },
        spec: {
          secretName: r.secretName,
          secretTemplate: { labels: { ...LABELS } },
          dnsNames: wildcardDnsNames(r.domain),
          issuerRef: {
            group: "cert-manager.io",
            kind: "ClusterIssuer",
            name: issuer.metadata.name,
          },
          privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        },
      },
      r.transform.certificate,
      { dependsOn },
    );
  }
}
