import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  SHARED_DATABASE_TYPE,
  SharedDatabase,
  type SharedDatabaseArgs,
} from "../../components/data/shared-database";
import { derivePassword } from "../../components/data/derived-password";
import { TenantDatabases, type TenantDatabasesArgs } from "../../components/data/tenant-databases";
import { databaseTenantOf } from "../../components/data/shared-database-args";
import { ComponentArgsError } from "../../components/component-args-error";
import { validateAllKubernetes } from "../../testkit/kubernetes";
import { isSecretInput, runProgram, valueOf } from "../../testkit/mocks";
import { BUILTIN_PLANS } from "../../model/plans";
import {
  serverHardeningSql,
  tenantHardeningSql,
  tenantSqlSpec,
} from "../../components/data/tenant-sql";
import { AGENT_CLOUD, KUBERNETES, POSTGRESQL, RANDOM } from "../../testkit/type-tokens";

const TENANTS = [
  { id: "acme", connectionLimit: 10 },
  { id: "globex-corp", connectionLimit: 20 },
];

const inCluster = (overrides: Partial<SharedDatabaseArgs> = {}): SharedDatabaseArgs =>
  ({
    environment: "dev",
    mode: "in-cluster",
    image: "postgres:17.6",
    storageSize: "10Gi",
    nodePort: 30432,
    adminSourceCidrs: ["172.16.0.0/12"],
    adminHost: "localhost",
    adminPort: 30432,
    protect: false,
    tenants: TENANTS,
    ...overrides,
  }) as SharedDatabaseArgs;

const external = (overrides: Partial<SharedDatabaseArgs> = {}): SharedDatabaseArgs =>
  ({
    environment: "production",
    mode: "external",
    host: "db.prod.example.com",
    port: 5432,
    sslmode: "verify-full",
    adminUser: "platform_admin",
    adminDatabase: "postgres",
    adminPassword: pulumi.secret("admin-password-from-config"),
    networkCidrs: ["10.40.0.0/24"],
    protect: true,
    tenants: TENANTS,
    ...overrides,
  }) as SharedDatabaseArgs;

/** Runs a SharedDatabase and records which provider each child was given. */
async function deploy(args: SharedDatabaseArgs) {
  const providers = new Map<string, pulumi.ProviderResource | undefined>();
  const run = await runProgram(() => {
    const db = new SharedDatabase("db", args, {
      // Legacy transformations reach every child, which is how we see their options.
      transformations: [
        (a) => {
          providers.set(a.name, a.opts.provider);
          return undefined;
        },
      ],
    });
    return db;
  });
  return { run, db: run.result, providers };
}

describe("SharedDatabase, per tenant", () => {
  it("creates a login role, a database it owns and its hardening SQL, keyed by id", async () => {
    const { run, db, providers } = await deploy(inCluster());
    // One key for the stack; no password resource per tenant.
    const key = run.get(RANDOM.RandomPassword, "db-password-key");
    expect(key.inputs).toMatchObject({ length: 64, special: false });
    expect(
      run
        .ofType(RANDOM.RandomPassword)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["db-admin-password", "db-password-key"]);
    for (const { id, connectionLimit } of TENANTS) {
      const dbName = `sp_dev_${id.replace(/-/g, "_")}`;
      const role = run.get(POSTGRESQL.Role, `db-${id}-role`);
      expect(role.inputs).toEqual({
        name: dbName,
        login: true,
        password: derivePassword(key.state.result, "dev", id),
        connectionLimit,
        superuser: false,
        createDatabase: false,
        createRole: false,
        replication: false,
        bypassRowLevelSecurity: false,
        // The standard plan's (no limits given): the same values the hardening sets.
        statementTimeout: 60_000,
        idleInTransactionSessionTimeout: 60_000,
      });
      expect(isSecretInput(role, "password")).toBe(true);
      expect(role.inputs.password).toMatch(/^[a-f0-9]{64}$/);
      expect(run.get(POSTGRESQL.Database, `db-${id}-database`).inputs).toEqual({
        name: dbName,
        owner: dbName,
        template: "template0",
        encoding: "UTF8",
      });
      // Exactly the statements the PostgreSQL suite runs (test/data/postgres-isolation.test.ts).
      const spec = tenantSqlSpec("dev", {
        id,
        connectionLimit,
        limits: BUILTIN_PLANS.standard!.databaseLimits,
      });
      const hardening = run.get(AGENT_CLOUD.SqlStatements, `db-${id}-hardening`);
      expect(hardening.inputs.statements).toEqual(tenantHardeningSql(spec));
      expect(hardening.inputs.statements[1].sql).toBe(
        `REVOKE ALL ON DATABASE "${dbName}" FROM PUBLIC`,
      );
      expect(isSecretInput(hardening, "connection")).toBe(true);
      // In the tenant's database: its catalog revokes (SERVER_ACTIVITY_REVOKES) act there.
      expect(hardening.inputs.connection).toMatchObject({
        host: "localhost",
        port: 30432,
        user: "postgres",
        database: dbName,
        sslmode: "disable",
      });
      expect(hardening.dependsOn).toEqual(
        expect.arrayContaining([
          run.get(POSTGRESQL.Role, `db-${id}-role`).urn,
          run.get(POSTGRESQL.Database, `db-${id}-database`).urn,
        ]),
      );
      for (const kind of ["role", "database"]) {
        expect(providers.get(`db-${id}-${kind}`), kind).toBe(db.provider);
      }
    }
  });

  it("gives each tenant a secret DATABASE_URL with its own role, password and database", async () => {
    const { run, db } = await deploy(inCluster());
    for (const { id } of TENANTS) {
      const dbName = `sp_dev_${id.replace(/-/g, "_")}`;
      const url = db.tenantUrl(id);
      expect(await pulumi.isSecret(url)).toBe(true);
      const password = run.get(POSTGRESQL.Role, `db-${id}-role`).inputs.password;
      expect(await valueOf(url)).toBe(
        `postgres://${dbName}:${password}@postgres.dev-database.svc.cluster.local:5432/${dbName}?sslmode=disable`,
      );
    }
    expect(Object.keys(db.tenantUrls).sort()).toEqual(["acme", "globex-corp"]);
    expect(() => db.tenantUrl("initech")).toThrow(
      /no tenant "initech" \(tenants: acme, globex-corp\)/,
    );
  });

  it("names and keys tenant resources by id, so reordering tenants changes nothing", async () => {
    const a = await deploy(inCluster());
    const b = await deploy(inCluster({ tenants: [...TENANTS].reverse() }));
    const shape = (run: typeof a.run) =>
      run.resources
        .filter((r) => r.type.startsWith("postgresql:"))
        .map((r) => `${r.type} ${r.name} ${JSON.stringify(r.inputs)}`)
        .sort();
    expect(shape(b.run)).toEqual(shape(a.run));
  });

  it("always retains tenant databases and roles on delete, and protects them only when asked", async () => {
    const loose = await deploy(inCluster());
    const kept = await deploy(inCluster({ protect: true }));
    for (const { id } of TENANTS) {
      for (const type of [POSTGRESQL.Database, POSTGRESQL.Role]) {
        const kind = type === POSTGRESQL.Database ? "database" : "role";
        const off = loose.run.get(type, `db-${id}-${kind}`);
        const on = kept.run.get(type, `db-${id}-${kind}`);
        // Retained in every environment: removing a tenant or rolling back drops no data.
        expect([off.protect, off.retainOnDelete]).toEqual([false, true]);
        expect([on.protect, on.retainOnDelete]).toEqual([true, true]);
      }
      // Losing the hardening resource loses no data (deleting it revokes nothing back).
      expect(kept.run.get(AGENT_CLOUD.SqlStatements, `db-${id}-hardening`).protect).toBe(false);
    }
    // The key every tenant password derives from is kept like the data it unlocks.
    const key = (run: typeof loose.run) => run.get(RANDOM.RandomPassword, "db-password-key");
    expect([key(loose.run).protect, key(loose.run).retainOnDelete]).toEqual([false, false]);
    expect([key(kept.run).protect, key(kept.run).retainOnDelete]).toEqual([true, true]);
  });

  it("takes over an adopted tenant's retained role and database by name, creating the others", async () => {
    const [first, second] = TENANTS;
    const { run } = await deploy(inCluster({ tenants: [{ ...first!, adopt: true }, second!] }));
    const imports = run.resources
      .filter((r) => r.type === POSTGRESQL.Role || r.type === POSTGRESQL.Database)
      .map((r) => [r.name, r.inputs.name, r.importId])
      .sort();
    expect(imports).toEqual([
      ["db-acme-database", "sp_dev_acme", "sp_dev_acme"],
      ["db-acme-role", "sp_dev_acme", "sp_dev_acme"],
      ["db-globex-corp-database", "sp_dev_globex_corp", undefined],
      ["db-globex-corp-role", "sp_dev_globex_corp", undefined],
    ]);
    // Still retained and hardened like any tenant's.
    expect(run.get(POSTGRESQL.Role, `db-${first!.id}-role`).retainOnDelete).toBe(true);
    expect(run.ofType(AGENT_CLOUD.SqlStatements).map((r) => r.name)).toContain(
      `db-${first!.id}-hardening`,
    );
  });

  it("refuses tenants whose summed connection limits exceed max_connections", () => {
    const many = Array.from({ length: 10 }, (_, i) => ({ id: `t${i}`, connectionLimit: 20 }));
    expect(() => new SharedDatabase("db", inCluster({ tenants: many }))).toThrow(
      `SharedDatabase "db": database.maxConnections 200: tenants' databaseConnections sum to 200 (+5 reserved for the admin), above max_connections; raise database.maxConnections or move tenants to smaller plans`,
    );
    expect(
      () => new SharedDatabase("db", inCluster({ tenants: many, maxConnections: 205 })),
    ).not.toThrow();
    expect(
      () => new SharedDatabase("db", external({ tenants: many, maxConnections: 100 })),
    ).toThrow(
      `database.maxConnections 100: tenants' databaseConnections sum to 200 (+5 reserved for the admin), above max_connections; raise database.maxConnections (and the server's max_connections) or move tenants to smaller plans`,
    );
  });

  it("refuses duplicate or malformed tenant ids and bad connection limits", () => {
    const make = (tenants: { id: string; connectionLimit: number }[]) => () =>
      new SharedDatabase("db", inCluster({ tenants }));
    expect(make([TENANTS[0]!, TENANTS[0]!])).toThrow(/tenants\[1\]\.id "acme": is listed twice/);
    expect(make([{ id: "Acme_1", connectionLimit: 1 }])).toThrow(/"Acme_1": must be a DNS label/);
    expect(make([{ id: "acme", connectionLimit: 0 }])).toThrow(/connectionLimit 0/);
    expect(() => new SharedDatabase("db", inCluster({ environment: "dev-team" }))).toThrow(
      /environment "dev-team": must be letters and digits only/,
    );
  });
});

describe("SharedDatabase, in-cluster", () => {
  it("runs one restricted postgres with a volume, a ClusterIP for pods and a NodePort for pulumi", async () => {
    const { run, db } = await deploy(inCluster({ storageClass: "standard" }));
    const k8sNames = run.resources
      .filter((r) => r.type.startsWith("kubernetes:"))
      .map(
        (r) => `${r.inputs.kind} ${r.inputs.metadata.namespace ?? "-"}/${r.inputs.metadata.name}`,
      )
      .sort();
    expect(k8sNames).toEqual([
      "Namespace -/dev-database",
      "NetworkPolicy dev-database/postgres",
      "Secret dev-database/postgres-admin",
      "Service dev-database/postgres",
      "Service dev-database/postgres-admin",
      "StatefulSet dev-database/postgres",
    ]);
    expect(await validateAllKubernetes(run.resources)).toBe(6);
    expect(run.get(AGENT_CLOUD.SqlStatements, "db-server-hardening").inputs.statements).toEqual(
      serverHardeningSql(),
    );
    const component = run.get(SHARED_DATABASE_TYPE, "db");
    for (const r of run.resources.filter((x) => x !== component)) {
      expect(r.parent, r.name).toBe(component.urn);
    }

    expect(run.get(KUBERNETES.Namespace, "db-namespace").inputs.metadata.labels).toMatchObject({
      "agent-cloud.io/environment": "dev",
      "pod-security.kubernetes.io/enforce": "restricted",
    });

    const sts = run.get(KUBERNETES.StatefulSet, "db-statefulset").inputs.spec;
    expect(sts.replicas).toBe(1);
    expect(sts.persistentVolumeClaimRetentionPolicy).toEqual({
      whenDeleted: "Retain",
      whenScaled: "Retain",
    });
    expect(sts.volumeClaimTemplates).toEqual([
      {
        metadata: { name: "data", labels: expect.any(Object) },
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: "10Gi" } },
          storageClassName: "standard",
        },
      },
    ]);
    const pod = sts.template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 999,
      fsGroup: 999,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    const c = pod.containers[0];
    expect(c.image).toBe("postgres:17.6");
    expect(c.args).toEqual([
      "postgres",
      "-c",
      "max_connections=200",
      "-c",
      "authentication_timeout=10s",
    ]);
    expect(c.securityContext).toMatchObject({
      runAsUser: 999,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(c.readinessProbe.exec.command).toEqual([
      "pg_isready",
      "-U",
      "postgres",
      "-h",
      "127.0.0.1",
      "-p",
      "5432",
    ]);
    expect(c.livenessProbe.exec.command[0]).toBe("pg_isready");
    expect(c.lifecycle.preStop.exec.command).toEqual([
      "pg_ctl",
      "stop",
      "-D",
      "/var/lib/postgresql/data/pgdata",
      "-m",
      "fast",
      "-w",
    ]);
    // The admin password reaches postgres only by reference to its Secret.
    expect(c.env).toEqual([
      {
        name: "POSTGRES_PASSWORD",
        valueFrom: { secretKeyRef: { name: "postgres-admin", key: "POSTGRES_PASSWORD" } },
      },
      { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
    ]);
    expect(c.volumeMounts.map((m: any) => m.mountPath).sort()).toEqual([
      "/dev/shm",
      "/tmp",
      "/var/lib/postgresql/data",
      "/var/run/postgresql",
    ]);

    const secret = run.get(KUBERNETES.Secret, "db-admin-secret");
    expect(isSecretInput(secret, "stringData.POSTGRES_PASSWORD")).toBe(true);

    expect(run.get(KUBERNETES.Service, "db-service").inputs.spec).toMatchObject({
      type: "ClusterIP",
      ports: [{ port: 5432, targetPort: "postgres" }],
    });
    expect(run.get(KUBERNETES.Service, "db-admin-service").inputs.spec).toMatchObject({
      type: "NodePort",
      ports: [{ port: 5432, targetPort: "postgres", nodePort: 30432 }],
    });

    const provider = run.get(POSTGRESQL.Provider, "db-provider");
    expect(provider.inputs).toMatchObject({
      host: "localhost",
      port: "30432",
      username: "postgres",
      database: "postgres",
      sslmode: "disable",
      superuser: "true",
    });
    expect(isSecretInput(provider, "password")).toBe(true);
    expect(provider.inputs.password).toBe(secret.inputs.stringData.POSTGRES_PASSWORD);
    // The provider connects only once postgres is up and reachable through the node port.
    const sts0 = run.get(KUBERNETES.StatefulSet, "db-statefulset");
    const admin = run.get(KUBERNETES.Service, "db-admin-service");
    expect(provider.dependsOn).toEqual(expect.arrayContaining([sts0.urn, admin.urn]));
    // Pulumi waits for a Service until it has ready endpoints, which are the StatefulSet's pods:
    // the StatefulSet must not wait for either Service, or neither would ever be ready.
    const services = run.ofType(KUBERNETES.Service).map((r) => r.urn);
    expect(sts0.dependsOn.filter((u) => services.includes(u))).toEqual([]);

    expect(db.host).toBe("postgres.dev-database.svc.cluster.local");
    const custom = await deploy(inCluster({ clusterDomain: "corp.internal" }));
    expect(custom.db.host).toBe("postgres.dev-database.svc.corp.internal");
    expect(db.port).toBe(5432);
    expect(db.networkPeer).toEqual({
      namespace: "dev-database",
      podLabels: {
        "app.kubernetes.io/name": "postgres",
        "app.kubernetes.io/part-of": "agent-cloud",
      },
      port: 5432,
    });
    expect(pod.containers[0].ports).toEqual([
      { name: "postgres", containerPort: 5432, protocol: "TCP" },
    ]);
    expect(sts.selector.matchLabels).toEqual(db.networkPeer.podLabels);
  });

  it("admits only this environment's tenant namespaces and the admin path, and sends nothing out", async () => {
    const { run } = await deploy(inCluster());
    expect(run.get(KUBERNETES.NetworkPolicy, "db-network-policy").inputs.spec).toEqual({
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: {
                matchLabels: { "agent-cloud.io/environment": "dev" },
                matchExpressions: [{ key: "agent-cloud.io/tenant", operator: "Exists" }],
              },
            },
            { ipBlock: { cidr: "172.16.0.0/12" } },
          ],
          ports: [{ protocol: "TCP", port: 5432 }],
        },
      ],
      egress: [],
    });
  });

  it("admits the backup pods of this environment's backups namespace, and nothing wider, when backups run", async () => {
    const { run } = await deploy(inCluster({ backups: true }));
    expect(run.get(KUBERNETES.NetworkPolicy, "db-network-policy").inputs.spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: {
              matchLabels: { "agent-cloud.io/environment": "dev" },
              matchExpressions: [{ key: "agent-cloud.io/tenant", operator: "Exists" }],
            },
          },
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "dev-backups" } },
            podSelector: {
              matchLabels: {
                "app.kubernetes.io/name": "tenant-backups",
                "app.kubernetes.io/part-of": "agent-cloud",
                "agent-cloud.io/environment": "dev",
              },
            },
          },
          { ipBlock: { cidr: "172.16.0.0/12" } },
        ],
        ports: [{ protocol: "TCP", port: 5432 }],
      },
    ]);
    // Without backups (the default, or said outright) the peers are the tenants and the admin path.
    for (const backups of [undefined, false]) {
      const without = await deploy(inCluster({ backups }));
      expect(
        without.run.get(KUBERNETES.NetworkPolicy, "db-network-policy").inputs.spec.ingress[0].from,
      ).toEqual([
        {
          namespaceSelector: {
            matchLabels: { "agent-cloud.io/environment": "dev" },
            matchExpressions: [{ key: "agent-cloud.io/tenant", operator: "Exists" }],
          },
        },
        { ipBlock: { cidr: "172.16.0.0/12" } },
      ]);
    }
  });

  it("has no admin NodePort unless asked, and then needs the admin path's sources", async () => {
    const { run } = await deploy(inCluster({ nodePort: undefined, adminSourceCidrs: undefined }));
    expect(run.ofType(KUBERNETES.Service).map((r) => r.name)).toEqual(["db-service"]);
    const policy = run.get(KUBERNETES.NetworkPolicy, "db-network-policy").inputs.spec;
    expect(policy.ingress[0].from).toHaveLength(1);
    expect(() => new SharedDatabase("db", inCluster({ adminSourceCidrs: [] }))).toThrow(
      `SharedDatabase "db": database.adminSourceCidrs []: is required with database.nodePort 30432: the database's NetworkPolicy admits the admin path only from these sources (kind: the Docker network, 172.16.0.0/12)`,
    );
  });

  it("protects the data's namespace, StatefulSet and admin password when asked", async () => {
    const { run } = await deploy(inCluster({ protect: true }));
    for (const [type, name] of [
      [KUBERNETES.Namespace, "db-namespace"],
      [KUBERNETES.StatefulSet, "db-statefulset"],
      [RANDOM.RandomPassword, "db-admin-password"],
      [KUBERNETES.Secret, "db-admin-secret"],
    ] as const) {
      const r = run.get(type, name);
      expect([r.protect, r.retainOnDelete], name).toEqual([true, true]);
    }
    expect(run.get(KUBERNETES.Service, "db-service").protect).toBe(false);
  });
});

describe("SharedDatabase, external", () => {
  it("creates no Kubernetes objects and connects the provider to the given server", async () => {
    const { run, db } = await deploy(external());
    expect(run.resources.filter((r) => r.type.startsWith("kubernetes:"))).toEqual([]);
    const provider = run.get(POSTGRESQL.Provider, "db-provider");
    expect(provider.inputs).toMatchObject({
      host: "db.prod.example.com",
      port: "5432",
      username: "platform_admin",
      database: "postgres",
      sslmode: "verify-full",
      superuser: "false",
    });
    expect(isSecretInput(provider, "password")).toBe(true);
    expect(provider.inputs.password).toBe("admin-password-from-config");
    expect(db.networkPeer).toEqual({ cidrs: ["10.40.0.0/24"], port: 5432 });
    expect(await valueOf(db.tenantUrl("acme"))).toMatch(
      /^postgres:\/\/sp_production_acme:[a-f0-9]{64}@db\.prod\.example\.com:5432\/sp_production_acme\?sslmode=verify-full$/,
    );
    expect(run.get(POSTGRESQL.Database, "db-acme-database").protect).toBe(true);
    // The tenant's hardening runs in its database, the server's in the admin database.
    const admin = {
      host: "db.prod.example.com",
      port: 5432,
      user: "platform_admin",
      password: "admin-password-from-config",
      sslmode: "verify-full",
    };
    expect(run.get(AGENT_CLOUD.SqlStatements, "db-acme-hardening").inputs.connection).toEqual({
      ...admin,
      database: "sp_production_acme",
    });
    expect(
      isSecretInput(run.get(AGENT_CLOUD.SqlStatements, "db-acme-hardening"), "connection"),
    ).toBe(true);
    expect(run.get(AGENT_CLOUD.SqlStatements, "db-server-hardening").inputs.connection).toEqual({
      ...admin,
      database: "postgres",
    });
  });

  it("refuses an external server without an admin password, saying how to set it", () => {
    expect(() => new SharedDatabase("db", external({ adminPassword: undefined }))).toThrow(
      `SharedDatabase "db": databaseAdminPassword: is required when database.mode is "external"; run: pulumi config set --secret databaseAdminPassword <value>`,
    );
  });

  it("defaults to port 5432, sslmode require and a public address", async () => {
    const { run, db } = await deploy({
      environment: "production",
      mode: "external",
      host: "db.example.com",
      adminPassword: pulumi.secret("x"),
      protect: true,
      tenants: [],
    });
    expect(db.networkPeer).toEqual({ cidrs: [], port: 5432 });
    expect(run.get(POSTGRESQL.Provider, "db-provider").inputs).toMatchObject({
      port: "5432",
      sslmode: "require",
      username: "postgres",
    });
  });
});

describe("SharedDatabase's args", () => {
  it("gathers every problem into one ComponentArgsError, before anything is registered", async () => {
    let error: unknown;
    const run = await runProgram(() => {
      try {
        new SharedDatabase(
          "db",
          external({
            environment: "dev-team",
            host: " ",
            adminPassword: undefined,
            maxConnections: 20,
            tenants: [
              { id: "acme", connectionLimit: 10 },
              { id: "acme", connectionLimit: 0 },
              { id: "Acme_1", connectionLimit: 20 },
            ],
          }),
        );
      } catch (caught) {
        error = caught;
      }
    });
    expect(run.resources).toEqual([]);
    expect(error).toBeInstanceOf(ComponentArgsError);
    expect((error as ComponentArgsError).problems).toEqual([
      `environment "dev-team": must be letters and digits only (no '-'): names join it with tenant ids, so "dev" + tenant "team-a" and "dev-team" + tenant "a" would share database sp_dev_team_a, and a tenant namespace could equal another environment's {env}-edge`,
      `tenants[1].id "acme": is listed twice`,
      `tenants[1].connectionLimit 0: must be a positive integer`,
      `tenants[2].id "Acme_1": must be a DNS label (a-z, 0-9, '-')`,
      `database.maxConnections 20: tenants' databaseConnections sum to 30 (+5 reserved for the admin), above max_connections; raise database.maxConnections (and the server's max_connections) or move tenants to smaller plans`,
      `databaseAdminPassword: is required when database.mode is "external"; run: pulumi config set --secret databaseAdminPassword <value>`,
      `database.host "": set it to the server's address`,
    ]);
    expect((error as Error).message).toMatch(
      /^SharedDatabase "db": 7 problems:\n {2}- environment/,
    );
  });
});

describe("SharedDatabase's children", () => {
  it("exposes the in-cluster server's children and each tenant's role, database and hardening", async () => {
    const { run, db } = await deploy(inCluster());
    const urnOf = (resource: pulumi.Resource) => valueOf(resource.urn);
    const server = db.inCluster!;
    expect(await urnOf(server.statefulSet)).toBe(
      run.get(KUBERNETES.StatefulSet, "db-statefulset").urn,
    );
    expect(await urnOf(server.service)).toBe(run.get(KUBERNETES.Service, "db-service").urn);
    expect(await urnOf(server.adminService!)).toBe(
      run.get(KUBERNETES.Service, "db-admin-service").urn,
    );
    expect(await urnOf(server.networkPolicy)).toBe(
      run.get(KUBERNETES.NetworkPolicy, "db-network-policy").urn,
    );
    expect(await urnOf(server.namespace)).toBe(run.get(KUBERNETES.Namespace, "db-namespace").urn);
    expect(await urnOf(db.serverHardening)).toBe(
      run.get(AGENT_CLOUD.SqlStatements, "db-server-hardening").urn,
    );
    expect(Object.keys(db.tenantDatabases).sort()).toEqual(["acme", "globex-corp"]);
    const acme = db.tenantDatabases.acme!;
    expect(await urnOf(acme.role)).toBe(run.get(POSTGRESQL.Role, "db-acme-role").urn);
    expect(await urnOf(acme.database)).toBe(run.get(POSTGRESQL.Database, "db-acme-database").urn);
    expect(await urnOf(acme.hardening)).toBe(
      run.get(AGENT_CLOUD.SqlStatements, "db-acme-hardening").urn,
    );
    expect(await valueOf(acme.url)).toBe(await valueOf(db.tenantUrl("acme")));

    const outside = await deploy(external());
    expect(outside.db.inCluster).toBeUndefined();
  });

  it("lets a caller adjust the StatefulSet, the Service and each tenant's role by transform", async () => {
    const plain = await deploy(inCluster());
    const seen: string[] = [];
    const adjusted = await deploy(
      inCluster({
        transform: {
          statefulSet: (args) => {
            args.metadata = { ...(args.metadata as object), annotations: { team: "data" } };
          },
          service: { spec: { type: "ClusterIP", clusterIP: "None" } },
          role: (args, _opts, name) => {
            seen.push(name);
            args.validUntil = "2030-01-01T00:00:00Z";
          },
        },
      }),
    );
    const sts = adjusted.run.get(KUBERNETES.StatefulSet, "db-statefulset").inputs;
    expect(sts.metadata.annotations).toEqual({ team: "data" });
    expect(sts.spec).toEqual(plain.run.get(KUBERNETES.StatefulSet, "db-statefulset").inputs.spec);
    expect(adjusted.run.get(KUBERNETES.Service, "db-service").inputs.spec).toEqual({
      type: "ClusterIP",
      clusterIP: "None",
    });
    expect(seen.sort()).toEqual(["db-acme-role", "db-globex-corp-role"]);
    expect(adjusted.run.get(POSTGRESQL.Role, "db-acme-role").inputs.validUntil).toBe(
      "2030-01-01T00:00:00Z",
    );
    // The same names, so the same URNs: a transform never replaces a resource.
    const urns = (run: typeof plain.run) => run.resources.map((r) => r.urn).sort();
    expect(urns(adjusted.run)).toEqual(urns(plain.run));
  });
});

describe("TenantDatabases (a shard's tenants)", () => {
  const externalArgs = external() as Extract<SharedDatabaseArgs, { mode: "external" }>;
  const shardArgs = Object.fromEntries(
    Object.entries(externalArgs).filter(([key]) => key !== "mode"),
  ) as TenantDatabasesArgs;

  it("creates each tenant's role, database and hardening exactly as SharedDatabase does", async () => {
    const shared = await deploy(external());
    const shard = await runProgram(() => new TenantDatabases("db", shardArgs));
    const tenantResources = (run: typeof shard) =>
      run.resources
        .filter((r) => r.type !== SHARED_DATABASE_TYPE && r.name !== "db-server-hardening")
        .filter((r) => r.type !== AGENT_CLOUD.TenantDatabases)
        .map((r) => ({
          type: r.type,
          name: r.name,
          inputs: r.inputs,
          protect: r.protect,
          retainOnDelete: r.retainOnDelete,
        }))
        .sort((a, b) => `${a.type} ${a.name}`.localeCompare(`${b.type} ${b.name}`));
    expect(tenantResources(shard)).toEqual(tenantResources(shared.run));
    expect(tenantResources(shard).map((r) => r.name)).toEqual([
      "db-acme-database",
      "db-globex-corp-database",
      "db-acme-role",
      "db-globex-corp-role",
      "db-acme-hardening",
      "db-globex-corp-hardening",
      "db-provider",
      "db-password-key",
    ]);
    expect(await valueOf(shard.result.tenantUrl("acme"))).toBe(
      await valueOf(shared.db.tenantUrl("acme")),
    );
    expect(() => shard.result.tenantUrl("initech")).toThrow(
      `TenantDatabases has no tenant "initech" (tenants: acme, globex-corp)`,
    );
  });

  it("gives a tenant its plan's role settings, as the platform stack does (databaseTenantOf)", async () => {
    const pro = BUILTIN_PLANS.pro!;
    const tenant = databaseTenantOf({ id: "acme", plan: pro });
    expect(tenant).toEqual({
      id: "acme",
      connectionLimit: pro.databaseConnections,
      limits: pro.databaseLimits,
      adopt: false,
    });
    expect(databaseTenantOf({ id: "acme", plan: pro }, ["globex", "acme"]).adopt).toBe(true);
    const shard = await runProgram(
      () => new TenantDatabases("db", { ...shardArgs, tenants: [tenant] }),
    );
    const statements = shard.get(AGENT_CLOUD.SqlStatements, "db-acme-hardening").inputs.statements;
    expect(statements).toEqual(
      tenantHardeningSql(
        tenantSqlSpec("production", {
          id: "acme",
          connectionLimit: 50,
          limits: pro.databaseLimits,
        }),
      ),
    );
    expect(statements).toContainEqual({
      sql: `ALTER ROLE "sp_production_acme" SET statement_timeout = '300s'`,
      required: true,
    });
    expect(shard.get(POSTGRESQL.Role, "db-acme-role").inputs.statementTimeout).toBe(300_000);
  });

  it("refuses its args with the same rules, naming itself", () => {
    expect(
      () => new TenantDatabases("shard-db", { ...shardArgs, adminPassword: undefined }),
    ).toThrow(
      `TenantDatabases "shard-db": databaseAdminPassword: is required when database.mode is "external"; run: pulumi config set --secret databaseAdminPassword <value>`,
    );
  });
});
