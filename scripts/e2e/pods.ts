/**
 * A pod of a rendered Deployment, run as a process on this machine: its volumes as files under a
 * sandbox folder (ConfigMaps and Secrets with their modes, owned by the pod's fsGroup; emptyDirs
 * writable by its uid), its env as the kubelet builds it (image ENV, envFrom, env, valueFrom),
 * its securityContext uid/gid when this machine allows it, and its own loopback address standing
 * for the pod IP.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import * as path from "node:path";
import type { ImageProcess } from "./dockerfile";
import type { K8sObject, RenderedObjects } from "./objects";

export interface PodOptions {
  readonly name: string;
  readonly namespace: string;
  readonly ip: string;
  readonly podSpec: K8sObject;
  readonly container: K8sObject;
  readonly sandbox: string;
  /** What the container's image would run when the Deployment gives no command. */
  readonly image?: ImageProcess;
  /** Programs the image provides, found on this machine (`node`, `nginx`). */
  readonly programs: Readonly<Record<string, string>>;
  /** Last rewrite of each env value (e.g. DATABASE_URL's host → this machine's PostgreSQL). */
  readonly rewriteEnv?: (name: string, value: string) => string;
  /** Last rewrite of each mounted file's text (e.g. nginx listen addresses). */
  readonly rewriteFile?: (mountPath: string, key: string, text: string) => string;
}

/** Where each mount path lives under the sandbox; longest first for prefix rewriting. */
export class PathMap {
  private readonly entries: [string, string][] = [];
  constructor(readonly root: string) {}
  add(containerPath: string): string {
    const host = path.join(this.root, containerPath);
    this.entries.push([containerPath.replace(/\/$/, ""), host]);
    this.entries.sort((a, b) => b[0].length - a[0].length);
    return host;
  }
  /** Every occurrence of a mounted path in `text`, pointed at the sandbox. */
  rewrite(text: string): string {
    let out = text;
    for (const [from, to] of this.entries) {
      out = out.replace(
        new RegExp(`${from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?=[/\\s;"']|$)`, "g"),
        to,
      );
    }
    return out;
  }
}

export class Pod {
  readonly paths: PathMap;
  readonly env: Record<string, string> = {};
  argv: string[] = [];
  cwd = "/";
  uid?: number;
  gid?: number;
  /** Why the rendered uid was not applied, when it was not. */
  uidNote?: string;
  private child?: ChildProcess;
  exited = false;
  exitCode: number | null = null;
  restarts = 0;
  /** Extra lines about the process (spawn errors). */
  private readonly notes: string[] = [];

  /** The container's stdout and stderr: a file, as a container runtime keeps them. */
  get logFile(): string {
    return path.join(this.o.sandbox, "container.log");
  }

  /** The last lines the process wrote. */
  logTail(lines = 3): string[] {
    const text = existsSync(this.logFile) ? readFileSync(this.logFile, "utf8") : "";
    return [...this.notes, ...text.split("\n").filter((l) => l !== "")].slice(-lines);
  }

  constructor(
    readonly o: PodOptions,
    private readonly objects: RenderedObjects,
  ) {
    this.paths = new PathMap(o.sandbox);
  }

  /** Writes volumes, builds env and argv. Throws on anything the cluster would refuse. */
  prepare(): void {
    const { podSpec, container } = this.o;
    const security = { ...(podSpec.securityContext ?? {}), ...(container.securityContext ?? {}) };
    const fsGroup: number | undefined = podSpec.securityContext?.fsGroup;
    this.uid = security.runAsUser ?? this.o.image?.user?.uid;
    this.gid = security.runAsGroup ?? this.o.image?.user?.gid ?? this.uid;
    const volumes = new Map<string, K8sObject>(
      (podSpec.volumes ?? []).map((v: K8sObject) => [v.name as string, v]),
    );
    for (const mount of container.volumeMounts ?? []) {
      const volume = volumes.get(mount.name);
      if (volume === undefined) throw new Error(`volumeMount ${mount.name} has no volume`);
      const dir = this.paths.add(mount.mountPath);
      if (volume.emptyDir !== undefined) {
        mkdirSync(dir, { recursive: true });
        if (this.uid !== undefined) chownSync(dir, this.uid, fsGroup ?? this.gid ?? this.uid);
        continue;
      }
      const source = volume.configMap ?? volume.secret;
      if (source === undefined)
        throw new Error(`volume ${mount.name}: only configMap, secret and emptyDir run here`);
      const kind = volume.configMap !== undefined ? "ConfigMap" : "Secret";
      const data = this.objects.data(kind, this.o.namespace, source.name ?? source.secretName);
      const items: { key: string; path: string; mode?: number }[] =
        source.items ?? Object.keys(data).map((key) => ({ key, path: key }));
      mkdirSync(dir, { recursive: true });
      for (const item of items) {
        if (mount.subPath !== undefined && mount.subPath !== item.path) continue;
        const file = mount.subPath !== undefined ? dir : path.join(dir, item.path);
        mkdirSync(path.dirname(file), { recursive: true });
        const text = data[item.key];
        if (text === undefined)
          throw new Error(`${kind} ${source.name ?? source.secretName} has no key ${item.key}`);
        writeFileSync(file, text);
        chmodSync(file, item.mode ?? source.defaultMode ?? 0o644);
        if (fsGroup !== undefined) chownSync(file, 0, fsGroup);
      }
    }
    // Mounted text may name other mounted paths (nginx.conf → the TLS files): point them here.
    for (const mount of container.volumeMounts ?? []) {
      const volume = volumes.get(mount.name);
      const source = volume?.configMap ?? volume?.secret;
      if (source === undefined) continue;
      const kind = volume?.configMap !== undefined ? "ConfigMap" : "Secret";
      const data = this.objects.data(kind, this.o.namespace, source.name ?? source.secretName);
      for (const [key, text] of Object.entries(data)) {
        if (mount.subPath !== undefined && mount.subPath !== key) continue;
        const file =
          mount.subPath !== undefined
            ? path.join(this.o.sandbox, mount.mountPath)
            : path.join(this.o.sandbox, mount.mountPath, key);
        const rewritten =
          this.o.rewriteFile?.(mount.mountPath, key, this.paths.rewrite(text)) ??
          this.paths.rewrite(text);
        if (rewritten !== text) {
          const mode = source.defaultMode ?? 0o644;
          writeFileSync(file, rewritten);
          chmodSync(file, mode);
          if (fsGroup !== undefined) chownSync(file, 0, fsGroup);
        }
      }
    }

    // env: the image's, then envFrom, then env (later wins, as in the kubelet).
    Object.assign(this.env, this.o.image?.env ?? {});
    for (const from of container.envFrom ?? []) {
      const ref = from.secretRef ?? from.configMapRef;
      const data = this.objects.data(
        from.secretRef ? "Secret" : "ConfigMap",
        this.o.namespace,
        ref.name,
      );
      for (const [k, v] of Object.entries(data)) this.env[`${from.prefix ?? ""}${k}`] = v;
    }
    for (const e of container.env ?? []) {
      if (e.value !== undefined) this.env[e.name] = String(e.value);
      else if (e.valueFrom?.secretKeyRef || e.valueFrom?.configMapKeyRef) {
        const ref = e.valueFrom.secretKeyRef ?? e.valueFrom.configMapKeyRef;
        const data = this.objects.data(
          e.valueFrom.secretKeyRef ? "Secret" : "ConfigMap",
          this.o.namespace,
          ref.name,
        );
        if (data[ref.key] === undefined)
          throw new Error(`env ${e.name}: ${ref.name} has no key ${ref.key}`);
        this.env[e.name] = data[ref.key] as string;
      } else if (e.valueFrom?.fieldRef) {
        const field: string = e.valueFrom.fieldRef.fieldPath;
        this.env[e.name] =
          field === "metadata.namespace"
            ? this.o.namespace
            : field === "metadata.name"
              ? this.o.name
              : field === "status.podIP"
                ? this.o.ip
                : "";
      }
    }
    for (const [k, v] of Object.entries(this.env)) {
      // 0.0.0.0 in a pod means every interface of the pod: here, the pod's own address.
      let value = v === "0.0.0.0" ? this.o.ip : this.paths.rewrite(v);
      value = this.o.rewriteEnv?.(k, value) ?? value;
      this.env[k] = value;
    }

    // command replaces the image's ENTRYPOINT, args its CMD.
    const image = this.o.image;
    const argv: string[] =
      container.command !== undefined
        ? [...container.command, ...(container.args ?? [])]
        : container.args !== undefined
          ? [...(image?.argv ?? []).slice(0, 1), ...container.args]
          : [...(image?.argv ?? [])];
    if (argv.length === 0)
      throw new Error(`container ${container.name}: no command and no image command known here`);
    const [program = "", ...args] = argv;
    const local = this.o.programs[program] ?? this.o.programs[path.basename(program)];
    if (local === undefined)
      throw new Error(`container ${container.name}: "${program}" is not available on this machine`);
    this.argv = [local, ...args.map((a) => image?.files[a] ?? this.paths.rewrite(a))];
    const file = Object.values(image?.files ?? {})[0];
    this.cwd = file !== undefined ? path.dirname(file) : this.o.sandbox;
  }

  start(): void {
    this.exited = false;
    // A regular file (not a socket) for stdout and stderr, owned by the pod's user, so that
    // programs may reopen /dev/stdout and /dev/stderr as they do in a container.
    closeSync(openSync(this.logFile, "a"));
    const canSwitch = process.getuid?.() === 0 && this.uid !== undefined;
    if (canSwitch) chownSync(this.logFile, this.uid as number, this.gid ?? (this.uid as number));
    const spawnAs = (ids: { uid?: number; gid?: number }) => {
      const fd = openSync(this.logFile, "a");
      const spawned = spawn(this.argv[0] as string, this.argv.slice(1), {
        cwd: this.cwd,
        env: {
          ...this.env,
          PATH: Object.values(this.o.programs)
            .map((p) => path.dirname(p))
            .join(":"),
        },
        stdio: ["ignore", fd, fd],
        ...ids,
      });
      closeSync(fd);
      return spawned;
    };
    // Once the uid could not run the program, restarts go straight to the fallback.
    const asUid = canSwitch && this.uidNote === undefined;
    let child = spawnAs(asUid ? { uid: this.uid, gid: this.gid } : {});
    if (!canSwitch)
      this.uidNote ??=
        this.uid === undefined ? "no uid rendered" : "not root here: ran as the current user";
    child.once("error", (error: NodeJS.ErrnoException) => {
      if (asUid && error.code === "EACCES") {
        this.uidNote = `ran as root: uid ${this.uid} cannot execute ${path.basename(this.argv[0] as string)} at its path here`;
        child = spawnAs({});
        this.attach(child);
        return;
      }
      this.notes.push(`spawn error: ${error.message}`);
      this.exited = true;
    });
    this.attach(child);
  }

  private attach(child: ChildProcess): void {
    this.child = child;
    child.once("exit", (code) => {
      if (this.child !== child) return;
      this.exited = true;
      this.exitCode = code;
    });
  }

  /** SIGTERM, then SIGKILL after the grace period (bounded), as the kubelet stops a container. */
  async stop(graceMs = 5000): Promise<void> {
    const child = this.child;
    if (child === undefined || this.exited || child.exitCode !== null) return;
    const done = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await done;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.stop(2000);
    this.restarts++;
    this.start();
  }
}
