/**
 * A PostgreSQL server as the tenants and the admin see it: where tenant pods connect, how the
 * admin logs in (the postgresql provider and the SqlStatements resources), and what must be
 * ready before the admin can. SharedDatabase builds one for either mode; TenantDatabases for the
 * external server a shard shares with its platform.
 */
import type * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import type { SslMode } from "../../model/database-defaults";
import type { DatabasePeer } from "../tenant/network-policy";
import type { AdminConnection } from "./sql-statements";

/** How the admin logs in, from wherever `pulumi up` runs. */
export interface AdminLogin {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Secret. */
  readonly password: pulumi.Input<string>;
  readonly database: string;
  readonly sslmode: SslMode;
  /** Whether the admin is a true superuser (managed services' admins are not). */
  readonly superuser: boolean;
}

/** A database server as the tenants and the provider see it. */
export interface DatabaseServer {
  /** Host tenant pods connect to. */
  readonly host: string;
  readonly port: number;
  readonly sslmode: SslMode;
  /** Where the server is, for the tenants' egress NetworkPolicy. */
  readonly peer: DatabasePeer;
  readonly admin: AdminLogin;
  /** What the admin's first connection waits for (the in-cluster server being up). */
  readonly ready: pulumi.Resource[];
}

/** An external (managed) server's address and admin, with every default already applied. */
export interface ExternalServerSettings {
  readonly host: string;
  readonly port: number;
  readonly sslmode: SslMode;
  readonly adminUser: string;
  readonly adminDatabase: string;
  readonly adminPassword: pulumi.Input<string>;
  readonly networkCidrs: readonly string[];
  readonly adminIsSuperuser: boolean;
}

/** The server of `mode: external`: the given address, the admin from config, nothing to wait for. */
export function externalDatabaseServer(settings: ExternalServerSettings): DatabaseServer {
  return {
    host: settings.host,
    port: settings.port,
    sslmode: settings.sslmode,
    peer: { cidrs: [...settings.networkCidrs], port: settings.port },
    admin: {
      host: settings.host,
      port: settings.port,
      user: settings.adminUser,
      password: settings.adminPassword,
      database: settings.adminDatabase,
      sslmode: settings.sslmode,
      superuser: settings.adminIsSuperuser,
    },
    ready: [],
  };
}

/** Seconds the provider waits for the server to answer. */
const PROVIDER_CONNECT_TIMEOUT_SECONDS = 15;

/** The postgresql provider's settings for the admin: the password stays secret. */
export function adminProviderArgs(admin: AdminLogin): postgresql.ProviderArgs {
  return {
    host: admin.host,
    port: admin.port,
    username: admin.user,
    password: pulumi.secret(admin.password),
    database: admin.database,
    sslmode: admin.sslmode,
    superuser: admin.superuser,
    connectTimeout: PROVIDER_CONNECT_TIMEOUT_SECONDS,
  };
}

/** The admin's login as the SqlStatements resources take it (secret as a whole). */
export function adminConnection(admin: AdminLogin): pulumi.Output<AdminConnection> {
  return pulumi.secret(
    pulumi.output(admin.password).apply((password) => ({
      host: admin.host,
      port: admin.port,
      user: admin.user,
      password,
      database: admin.database,
      sslmode: admin.sslmode,
    })),
  );
}
