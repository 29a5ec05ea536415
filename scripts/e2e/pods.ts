/**
 * A pod of a rendered Deployment, run as a process on this machine: its volumes as files under a
 * sandbox folder (ConfigMaps and Secrets with their modes, owned by the pod's fsGroup; emptyDirs
 * writable by its uid), its env as the kubelet builds it (image ENV, envFrom, env, valueFrom),
 * its securityContext uid/gid when this machine allows it, and its own loopback address standing
 * for the pod IP.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  copyFileSync,
  linkSync,
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
  /** The pod's /etc/resolv.conf (cluster DNS), bind-mounted in its own mount namespace. */
  readonly resolvConf?: string;
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

/** Whether `uid` may execute `file` (setpriv + test -x, so every parent folder counts). */
function executableBy(file: string, uid: number, gid: number): boolean {
  const r = spawnSync("/usr/bin/setpriv", [
    `--reuid=${uid}`,
    `--regid=${gid}`,
    "--clear-groups",
    "--",
    "/usr/bin/test",
    "-x",
    file,
  ]);
  return r.status === 0;
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
      mkdirSync(mount.subPath !== undefined ? path.dirname(dir) : dir, { recursive: true });
      for (const file of this.volumeFiles(mount.name, volume)) {
        if (mount.subPath !== undefined && mount.subPath !== file.path) continue;
        const target = mount.subPath !== undefined ? dir : path.join(dir, file.path);
        mkdirSync(path.dirname(target), { recursive: true });
        // Mounted text may name other mounted paths (nginx.conf → the TLS files): point them here.
        writeFileSync(target, file.text);
        chmodSync(target, file.mode);
        if (fsGroup !== undefined) chownSync(target, 0, fsGroup);
      }
    }
    for (const mount of container.volumeMounts ?? []) {
      const volume = volumes.get(mount.name);
      if (volume === undefined || volume.emptyDir !== undefined) continue;
      for (const file of this.volumeFiles(mount.name, volume)) {
        if (mount.subPath !== undefined && mount.subPath !== file.path) continue;
        const target =
          mount.subPath !== undefined
            ? path.join(this.o.sandbox, mount.mountPath)
            : path.join(this.o.sandbox, mount.mountPath, file.path);
        const pointed = this.paths.rewrite(file.text);
        const rewritten = this.o.rewriteFile?.(mount.mountPath, file.path, pointed) ?? pointed;
        if (rewritten !== file.text) writeFileSync(target, rewritten);
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

  /**
   * As root: each start runs in its own mount namespace with the pod's /etc/resolv.conf bound
   * over the machine's (cluster names resolve for every program, as in a pod), then drops to the
   * rendered uid/gid with setpriv. Otherwise the process runs as it is, and the table says so.
   */
  /** The files a configMap, secret or projected volume holds: path in the volume, text, mode. */
  private volumeFiles(
    name: string,
    volume: K8sObject,
  ): { path: string; text: string; mode: number }[] {
    const sources: { kind: "ConfigMap" | "Secret"; ref: K8sObject }[] = [];
    if (volume.configMap !== undefined) sources.push({ kind: "ConfigMap", ref: volume.configMap });
    else if (volume.secret !== undefined) sources.push({ kind: "Secret", ref: volume.secret });
    else if (volume.projected !== undefined) {
      for (const src of volume.projected.sources ?? []) {
        if (src.configMap !== undefined) sources.push({ kind: "ConfigMap", ref: src.configMap });
        else if (src.secret !== undefined) sources.push({ kind: "Secret", ref: src.secret });
        else
          throw new Error(
            `volume ${name}: projected sources other than configMap and secret do not run here`,
          );
      }
    } else
      throw new Error(`volume ${name}: only configMap, secret, projected and emptyDir run here`);
    const defaultMode: number =
      volume.configMap?.defaultMode ??
      volume.secret?.defaultMode ??
      volume.projected?.defaultMode ??
      0o644;
    return sources.flatMap(({ kind, ref }) => {
      const objectName = String(ref.name ?? ref.secretName);
      const data = this.objects.data(kind, this.o.namespace, objectName);
      const items: { key: string; path: string; mode?: number }[] =
        ref.items ?? Object.keys(data).map((key) => ({ key, path: key }));
      return items.map((item) => {
        const text = data[item.key];
        if (text === undefined) throw new Error(`${kind} ${objectName} has no key ${item.key}`);
        return { path: item.path, text, mode: item.mode ?? defaultMode };
      });
    });
  }

  start(): void {
    this.exited = false;
    // A regular file (not a socket) for stdout and stderr, owned by the pod's user, so programs
    // may reopen /dev/stdout and /dev/stderr as they do in a container.
    closeSync(openSync(this.logFile, "a"));
    const root = process.getuid?.() === 0;
    const program = this.argv[0] as string;
    if (root && this.uid !== undefined) {
      chownSync(this.logFile, this.uid, this.gid ?? this.uid);
      if (this.uidNote === undefined && !executableBy(program, this.uid, this.gid ?? this.uid)) {
        // The program sits in a folder the uid may not enter (a Node under /root): give the
        // pod its own link to it, as the image would carry its own copy.
        const own = path.join(this.o.sandbox, "bin", path.basename(program));
        mkdirSync(path.dirname(own), { recursive: true });
        chmodSync(path.dirname(own), 0o755);
        try {
          if (!existsSync(own)) linkSync(program, own);
        } catch {
          copyFileSync(program, own);
          chmodSync(own, 0o755);
        }
        if (executableBy(own, this.uid, this.gid ?? this.uid)) this.argv[0] = own;
        else
          this.uidNote = `ran as root: uid ${this.uid} cannot execute ${path.basename(program)} here`;
      }
    } else if (this.uid !== undefined) {
      this.uidNote ??= "not root here: ran as the current user";
    }
    const asUid = root && this.uid !== undefined && this.uidNote === undefined;
    let argv = [...this.argv];
    if (asUid)
      argv = [
        "/usr/bin/setpriv",
        `--reuid=${this.uid}`,
        `--regid=${this.gid ?? this.uid}`,
        "--clear-groups",
        "--",
        ...argv,
      ];
    if (root && this.o.resolvConf !== undefined) {
      const resolv = path.join(this.o.sandbox, "resolv.conf");
      writeFileSync(resolv, this.o.resolvConf);
      chmodSync(resolv, 0o644);
      argv = [
        "/usr/bin/unshare",
        "--mount",
        "--propagation",
        "private",
        "/bin/sh",
        "-c",
        'mount --bind "$0" /etc/resolv.conf && exec "$@"',
        resolv,
        ...argv,
      ];
    }
    const fd = openSync(this.logFile, "a");
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd: this.cwd,
      env: {
        ...this.env,
        PATH: [
          ...Object.values(this.o.programs).map((p) => path.dirname(p)),
          "/usr/bin",
          "/bin",
        ].join(":"),
      },
      stdio: ["ignore", fd, fd],
    });
    closeSync(fd);
    child.once("error", (error) => {
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

  /** The uid the running process has (from /proc), or undefined when it is not running. */
  runningUid(): number | undefined {
    const pid = this.child?.pid;
    if (pid === undefined || this.exited) return undefined;
    try {
      const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      return m === null ? undefined : Number(m[1]);
    } catch {
      return undefined;
    }
  }

  async restart(): Promise<void> {
    await this.stop(2000);
    this.restarts++;
    this.start();
  }
}
