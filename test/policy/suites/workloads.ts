/** Pod hardening and secrets in clear (resource rules): through the real analyzer. */
import { describe, expect, it } from "vitest";
import { type PackContext, type TestResource } from "../analyzer";
import { deployment, expectClean, expectViolation, GATEWAY_IMAGE, podSpec } from "../fixtures";
import { KUBERNETES } from "../../../testkit/type-tokens";

/** Registers the suite; `ctx.pack` is the running pack (set in beforeAll). */
export function workloadsSuite(ctx: PackContext): void {
  const NS = "dev-tenant-acme";
  const app = (spec: Record<string, unknown>) => deployment("sp-acme", NS, spec);

  describe("pod-no-privileged-containers", () => {
    const POLICY = "pod-no-privileged-containers";

    it("passes a hardened Deployment, StatefulSet, DaemonSet, Job, CronJob and Pod", async () => {
      const spec = podSpec();
      const workloads: TestResource[] = [
        app(spec),
        { ...deployment("db", "dev-database", spec), type: KUBERNETES.StatefulSet },
        { ...deployment("agent", NS, spec), type: KUBERNETES.DaemonSet },
        {
          type: KUBERNETES.Job,
          name: "migrate",
          props: { metadata: { namespace: NS }, spec: { template: { spec } } },
        },
        {
          type: KUBERNETES.CronJob,
          name: "backup",
          props: {
            metadata: { namespace: NS },
            spec: { jobTemplate: { spec: { template: { spec } } } },
          },
        },
        { type: KUBERNETES.Pod, name: "debug", props: { metadata: { namespace: NS }, spec } },
      ];
      for (const workload of workloads) expectClean(await ctx.pack.analyze(workload));
    });

    it("fails a privileged container, naming workload, container and field", async () => {
      expectViolation(
        await ctx.pack.analyze(
          app(podSpec(GATEWAY_IMAGE, { securityContext: { privileged: true } })),
        ),
        POLICY,
        'Deployment "dev-tenant-acme/sp-acme" container "app" is privileged (containers[0].securityContext.privileged: true)',
        "Remove privileged",
      );
    });

    it("fails privilege escalation and added capabilities, in an init container of a CronJob", async () => {
      const spec = podSpec(
        GATEWAY_IMAGE,
        {},
        {
          initContainers: [
            {
              name: "setup",
              image: GATEWAY_IMAGE,
              securityContext: {
                allowPrivilegeEscalation: true,
                capabilities: { add: ["SYS_ADMIN", "NET_BIND_SERVICE"] },
              },
            },
          ],
        },
      );
      const cron: TestResource = {
        type: KUBERNETES.CronJob,
        name: "backup",
        props: {
          metadata: { name: "backup", namespace: NS },
          spec: { jobTemplate: { spec: { template: { spec } } } },
        },
      };
      const result = await ctx.pack.analyze(cron);
      expectViolation(
        result,
        POLICY,
        'CronJob "dev-tenant-acme/backup" init container "setup" allows privilege escalation',
      );
      // NET_BIND_SERVICE is allowed, so only SYS_ADMIN is named.
      const messages = expectViolation(
        result,
        POLICY,
        "adds capabilities SYS_ADMIN (initContainers[0].securityContext.capabilities.add)",
      );
      expect(messages).toHaveLength(2);
    });
  });

  describe("pod-run-as-non-root", () => {
    const POLICY = "pod-run-as-non-root";

    it("passes runAsNonRoot at pod level, or runAsUser > 0 at container level alone", async () => {
      expectClean(await ctx.pack.analyze(app(podSpec())));
      expectClean(
        await ctx.pack.analyze(
          app(
            podSpec(
              GATEWAY_IMAGE,
              { securityContext: { runAsUser: 1000, allowPrivilegeEscalation: false } },
              { securityContext: {} },
            ),
          ),
        ),
      );
    });

    it("fails a pod that leaves the user to the image", async () => {
      expectViolation(
        await ctx.pack.analyze(app(podSpec(GATEWAY_IMAGE, {}, { securityContext: {} }))),
        POLICY,
        'Deployment "dev-tenant-acme/sp-acme" container "app" may run as root: it sets neither runAsNonRoot: true nor a runAsUser above 0',
        "Set securityContext.runAsNonRoot: true",
      );
    });

    it("fails runAsUser 0 on a container even when the pod says non-root", async () => {
      expectViolation(
        await ctx.pack.analyze(app(podSpec(GATEWAY_IMAGE, { securityContext: { runAsUser: 0 } }))),
        POLICY,
        'container "app" runs as root (runAsUser: 0 on the container)',
      );
    });

    it("fails a container that overrides the pod with runAsNonRoot: false", async () => {
      expectViolation(
        await ctx.pack.analyze(
          app(
            podSpec(
              GATEWAY_IMAGE,
              { securityContext: { runAsNonRoot: false } },
              { securityContext: { runAsNonRoot: true } },
            ),
          ),
        ),
        POLICY,
        "it sets runAsNonRoot: false nor a runAsUser above 0",
      );
    });
  });

  describe("pod-no-host-access", () => {
    const POLICY = "pod-no-host-access";

    it("passes a pod with only emptyDir volumes and container ports", async () => {
      expectClean(await ctx.pack.analyze(app(podSpec())));
    });

    it("fails hostNetwork, hostPID and hostIPC", async () => {
      const result = await ctx.pack.analyze(
        app(podSpec(GATEWAY_IMAGE, {}, { hostNetwork: true, hostPID: true, hostIPC: true })),
      );
      for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
        expectViolation(result, POLICY, `Deployment "dev-tenant-acme/sp-acme" sets ${field}: true`);
      }
    });

    it("fails a hostPath volume and a hostPort", async () => {
      const spec = podSpec(
        GATEWAY_IMAGE,
        { ports: [{ containerPort: 8080, hostPort: 8080 }] },
        { volumes: [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }] },
      );
      const result = await ctx.pack.analyze(app(spec));
      expectViolation(
        result,
        POLICY,
        'volume "docker" is a hostPath (/var/run/docker.sock)',
        "Use an emptyDir",
      );
      expectViolation(result, POLICY, 'container "app" binds hostPort 8080');
    });

    const volume = (spec: Record<string, unknown>): TestResource => ({
      type: KUBERNETES.PersistentVolume,
      name: "data-pv",
      props: { metadata: { name: "data" }, spec: { capacity: { storage: "1Gi" }, ...spec } },
    });

    it("passes a PersistentVolume on network storage", async () => {
      expectClean(
        await ctx.pack.analyze(
          volume({ csi: { driver: "ebs.csi.aws.com", volumeHandle: "vol-1" } }),
        ),
      );
    });

    it("fails a hostPath or local PersistentVolume, which hands the node's disk to a claim", async () => {
      expectViolation(
        await ctx.pack.analyze(volume({ hostPath: { path: "/" } })),
        POLICY,
        'PersistentVolume "default/data" (Pulumi resource "data-pv") is a hostPath volume (/) on the node',
      );
      expectViolation(
        await ctx.pack.analyze(volume({ local: { path: "/var/lib/kubelet" } })),
        POLICY,
        "is a local volume (/var/lib/kubelet)",
      );
    });

    it("judges a DeploymentPatch like a Deployment", async () => {
      const patch = {
        ...app(podSpec(GATEWAY_IMAGE, {}, { hostNetwork: true })),
        type: KUBERNETES.DeploymentPatch,
      };
      expectViolation(
        await ctx.pack.analyze(patch),
        POLICY,
        'DeploymentPatch "dev-tenant-acme/sp-acme" sets hostNetwork: true',
      );
      expectClean(await ctx.pack.analyze({ ...app(podSpec()), type: patch.type }));
    });
  });

  describe("no-plaintext-secrets", () => {
    const POLICY = "no-plaintext-secrets";
    const withEnv = (env: unknown[]) => app(podSpec(GATEWAY_IMAGE, { env }));
    const configMap = (data: Record<string, string>): TestResource => ({
      type: KUBERNETES.ConfigMap,
      name: "acme-config",
      props: { metadata: { name: "sp-acme-config", namespace: NS }, data },
    });

    it("passes secretKeyRef env, ordinary settings and a ConfigMap of plain settings", async () => {
      expectClean(
        await ctx.pack.analyze(
          withEnv([
            { name: "OPENAI_API_KEY", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
            { name: "MAX_TOKENS", value: "4096" },
            { name: "TOKEN_URL", value: "https://auth.example.com/token" },
            { name: "PASSWORD_FILE", value: "/run/secrets/db" },
            { name: "DATABASE_URL", value: "postgres://sp_acme:$(DB_PASSWORD)@db:5432/sp_acme" },
            { name: "ADMIN_EMAIL", value: "ops@example.com" },
          ]),
        ),
      );
      expectClean(
        await ctx.pack.analyze(
          configMap({
            "nginx.conf": "server { listen 8443 ssl; }",
            LOG_LEVEL: "info",
            "profile.yaml": "name: docker",
          }),
        ),
      );
    });

    it("fails a secret's name with a plain env value, without echoing the value", async () => {
      const messages = expectViolation(
        await ctx.pack.analyze(
          withEnv([{ name: "ANTHROPIC_API_KEY", value: "not-really-but-plain" }]),
        ),
        POLICY,
        'Deployment "dev-tenant-acme/sp-acme" container "app" env ANTHROPIC_API_KEY (containers[0].env[0].value) has a plain value under a secret\'s name',
        "env[].valueFrom.secretKeyRef",
      );
      expect(messages.join("\n")).not.toContain("not-really-but-plain");
    });

    it("fails credential-shaped values whatever the name: sk-, PEM key, ghp_, AKIA, password URL", async () => {
      const cases: [string, string][] = [
        ["sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345", "an OpenAI/Anthropic API key (sk-...)"],
        ["ghp_abcdefghijklmnopqrstuvwxyz0123456789", "a GitHub token (ghp_...)"],
        ["AKIAIOSFODNN7EXAMPLE", "an AWS access key id (AKIA...)"],
        ["postgres://sp_acme:hunter2hunter2@db:5432/sp_acme", "a URL with an embedded password"],
      ];
      for (const [value, what] of cases) {
        expectViolation(
          await ctx.pack.analyze(withEnv([{ name: "SETTING", value }])),
          POLICY,
          `env SETTING (containers[0].env[0].value) holds what looks like ${what}`,
        );
      }
      expectViolation(
        await ctx.pack.analyze(
          configMap({
            "key.pem": "-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----\n",
          }),
        ),
        POLICY,
        'ConfigMap "dev-tenant-acme/sp-acme-config" (Pulumi resource "acme-config") data key "key.pem" holds what looks like a PEM private key',
        "Move it to a Secret",
      );
    });

    it("passes plain annotations and args, and args that take a secret from env", async () => {
      const spec = podSpec(GATEWAY_IMAGE, {
        args: ["--port=8080", "--log-level", "info", "--password", "$(DB_PASSWORD)"],
      });
      expectClean(await ctx.pack.analyze(deployment("sp-acme", NS, spec, {})));
      expectClean(
        await ctx.pack.analyze({
          ...configMap({ LOG_LEVEL: "info" }),
          props: {
            metadata: {
              name: "c",
              namespace: NS,
              annotations: {
                "agent-cloud.io/tenant": "acme",
                "example.com/token-url": "https://x",
              },
            },
            data: { LOG_LEVEL: "info" },
          },
        }),
      );
    });

    it("fails credentials in container args and in annotations", async () => {
      const result = await ctx.pack.analyze(
        app(
          podSpec(GATEWAY_IMAGE, {
            command: ["agent", "--api-key", "not-really-but-plain"],
            args: ["--db-password=hunter2hunter2", "rk_live_51AbCdEfGhIjKlMnOpQr"],
          }),
        ),
      );
      expectViolation(
        result,
        POLICY,
        'container "app" command[1] (containers[0].command[1]) has a plain value under a secret\'s name',
      );
      expectViolation(result, POLICY, "args[0] (containers[0].args[0]) has a plain value");
      expectViolation(
        result,
        POLICY,
        "args[1] (containers[0].args[1]) holds what looks like a Stripe",
      );
      const annotated = await ctx.pack.analyze(
        deployment("sp-acme", NS, podSpec(), {
          template: {
            metadata: {
              labels: { app: "sp-acme" },
              annotations: {
                "slack/webhook-url":
                  "https://hooks.slack.com/services/T0000000/B0000000/abcdefghijklmnopqrstuvwx",
              },
            },
            spec: podSpec(),
          },
        }),
      );
      expectViolation(
        annotated,
        POLICY,
        'annotation "slack/webhook-url" (spec.template.metadata.annotations) holds what looks like a Slack webhook URL',
      );
      expect(JSON.stringify(annotated)).not.toContain("abcdefghijklmnopqrstuvwx");
    });

    it("fails an agent config (JSON) in a ConfigMap holding a credential at any depth", async () => {
      expectViolation(
        await ctx.pack.analyze(
          configMap({
            "agent.json": '{"model":"x","notify":{"webhookUrl":"https://example.com/h"}}',
          }),
        ),
        POLICY,
        'data key "agent.json" holds a credential at .notify.webhookUrl',
      );
    });

    it("fails a ConfigMap key named like a secret, and a secrets file in a ConfigMap", async () => {
      const result = await ctx.pack.analyze(
        configMap({ DB_PASSWORD: "hunter2", "secrets.json": '{"x": 1}' }),
      );
      expectViolation(
        result,
        POLICY,
        'data key "DB_PASSWORD" has a plain value under a secret\'s name',
      );
      expectViolation(
        result,
        POLICY,
        'data key "secrets.json" has a plain value under a secret\'s name',
      );
    });
  });
}
