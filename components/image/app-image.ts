import * as path from "node:path";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import {
  DEFAULT_IMAGE_PLATFORMS,
  DEFAULT_IMAGE_TAG,
  IMAGE_TAG,
  IMAGE_TAG_RULE,
  registryHost,
} from "../../model/patterns";
import { formatConfigProblem, showReceived } from "../../model/rules/config-problem";
import { imageRepositoryProblems } from "../../model/rules/image-repository";
import { unpinnedImageProblem } from "../../model/rules/pinned-image";
import { assertNoProblems } from "../component-args-error";
import { createChild } from "../create-child";
import type { Transform } from "../transform";
import { assertNoSecretsInContext } from "./scan-context";

export const APP_IMAGE_TYPE = "agent-cloud:image:AppImage";

/** Build arg carrying `rebuildNonce`; declare `ARG AGENT_CLOUD_REBUILD_NONCE` to use it. */
export const REBUILD_NONCE_ARG = "AGENT_CLOUD_REBUILD_NONCE";
/** Tag of the registry build cache beside the image. */
export const CACHE_TAG = "buildcache";

export interface AppImageArgs {
  /** Folder to build, relative to {@link projectRoot}. Required unless `ref` is set. */
  readonly context?: string;
  /** Dockerfile, relative to {@link projectRoot} like `docker build -f`. @default `<context>/Dockerfile` */
  readonly dockerfile?: string;
  /** Platforms to build for. @default {@link DEFAULT_IMAGE_PLATFORMS} */
  readonly platforms?: readonly dockerBuild.Platform[];
  /** Repository to push to, e.g. `ghcr.io/acme/agent`. Required unless `ref` is set. */
  readonly repository?: string;
  /** Tag pushed alongside the digest. @default {@link DEFAULT_IMAGE_TAG} */
  readonly tag?: string;
  /** Deploy this image (`repo@sha256:...`) and build nothing. @default build from context */
  readonly ref?: string;
  /** Registry to log in to. @default the host part of `repository` */
  readonly registryServer?: string;
  /** Registry login user. @default no login (the builder's own credentials) */
  readonly registryUsername?: string;
  /** Registry password or token (secret). */
  readonly registryPassword?: pulumi.Input<string>;
  /** Any new value forces a full rebuild without cache. @default none */
  readonly rebuildNonce?: string;
  /**
   * Name of an existing buildx builder (docker-container, kubernetes or remote driver).
   * @default the provider's choice: an existing non-docker builder, or a new docker-container one
   */
  readonly builder?: string;
  /** Scan the context for committed credentials before building. @default true */
  readonly scanForSecrets?: boolean;
  /** Folder relative paths resolve against. @default process.cwd() (the Pulumi project) */
  readonly projectRoot?: string;
  /** Adjust the children before they are registered (see components/transform.ts). @default none */
  readonly transform?: {
    /** The BuildKit image build (only when building). */
    readonly image?: Transform<dockerBuild.ImageArgs>;
  };
}

/** AppImage's args once checked: a pinned ref to pass through, or what to build. */
export type ResolvedAppImageArgs =
  | (AppImageArgs & { readonly ref: string })
  | (AppImageArgs & {
      readonly ref: undefined;
      readonly context: string;
      readonly repository: string;
      readonly tag: string;
      /** The build context, absolute. */
      readonly contextDir: string;
      /** The Dockerfile, absolute. */
      readonly dockerfilePath: string;
    });

/**
 * Checks AppImage's args (every problem gathered, then one ComponentArgsError naming the
 * component, `name` and each problem, each saying what to set) before anything is registered.
 */
export function resolveAppImageArgs(name: string, args: AppImageArgs): ResolvedAppImageArgs {
  assertNoProblems("AppImage", name, appImageProblems(args));
  if (args.ref !== undefined) return { ...args, ref: args.ref };
  const context = args.context as string;
  const root = args.projectRoot ?? process.cwd();
  return {
    ...args,
    ref: undefined,
    context,
    repository: args.repository as string,
    tag: args.tag ?? DEFAULT_IMAGE_TAG,
    contextDir: path.resolve(root, context),
    dockerfilePath: path.resolve(root, args.dockerfile ?? path.join(context, "Dockerfile")),
  };
}

/** Every problem with AppImage's args; empty when it can pin or build. */
export function appImageProblems(args: AppImageArgs): string[] {
  if (args.ref !== undefined) {
    const unpinned = unpinnedImageProblem(args.ref);
    return unpinned === undefined
      ? []
      : [
          `image ref ${showReceived(args.ref)}: ${unpinned}; find it with: docker buildx imagetools inspect <image>`,
        ];
  }
  const problems: string[] = [];
  const { context, repository } = args;
  if (context === undefined || repository === undefined) {
    problems.push(
      `image: set ref (an image pinned by digest), or context and repository to build one (got context ${showReceived(context)}, repository ${showReceived(repository)})`,
    );
  }
  if (repository !== undefined) {
    problems.push(...imageRepositoryProblems(repository).map(formatConfigProblem));
  }
  const tag = args.tag ?? DEFAULT_IMAGE_TAG;
  if (!IMAGE_TAG.test(tag)) {
    problems.push(`image tag ${showReceived(tag)}: ${IMAGE_TAG_RULE}`);
  }
  if (args.registryUsername !== undefined && args.registryPassword === undefined) {
    problems.push(
      `image registryUsername ${showReceived(args.registryUsername)} needs registryPassword; run: pulumi config set --secret registryPassword <token>`,
    );
  }
  return problems;
}

/**
 * The agent image: built with BuildKit (docker-build provider), pushed, and referenced by digest
 * so every Deployment pins exactly what was built; or a given pinned ref with no build at all.
 * Only an update builds; a preview leaves the image unbuilt (`buildOnPreview: false`).
 */
export class AppImage extends pulumi.ComponentResource {
  /** The image by digest, `repository@sha256:...`: what Deployments run. */
  public readonly ref: pulumi.Output<string>;
  /** `sha256:...` of the image. */
  public readonly digest: pulumi.Output<string>;
  /** The build, unless a pinned `ref` was given. */
  public readonly image?: dockerBuild.Image;

  constructor(name: string, args: AppImageArgs, opts?: pulumi.ComponentResourceOptions) {
    const resolved = resolveAppImageArgs(name, args);
    super(APP_IMAGE_TYPE, name, {}, opts);

    if (resolved.ref !== undefined) {
      const ref = resolved.ref;
      this.ref = pulumi.output(ref);
      this.digest = pulumi.output(ref.slice(ref.indexOf("@") + 1));
    } else {
      this.image = this.createImage(name, resolved);
      this.digest = this.image.digest;
      this.ref = pulumi.interpolate`${resolved.repository}@${this.image.digest}`;
    }
    this.registerOutputs({ ref: this.ref, digest: this.digest });
  }

  private createImage(
    name: string,
    args: Extract<ResolvedAppImageArgs, { ref: undefined }>,
  ): dockerBuild.Image {
    const { contextDir, repository } = args;
    // The build only learns its context once the scan has passed, so a leaked credential fails
    // `pulumi preview` (and `up`) before anything is built or pushed.
    const location =
      args.scanForSecrets === false
        ? pulumi.output(contextDir)
        : pulumi.output(
            assertNoSecretsInContext(contextDir, args.dockerfilePath).then(() => contextDir),
          );
    const cache = `${repository}:${CACHE_TAG}`;
    const rebuild = args.rebuildNonce !== undefined;
    return createChild(
      this,
      dockerBuild.Image,
      `${name}-image`,
      {
        context: { location },
        dockerfile: { location: args.dockerfilePath },
        platforms: [...(args.platforms ?? DEFAULT_IMAGE_PLATFORMS)],
        ...(args.builder !== undefined ? { builder: { name: args.builder } } : {}),
        push: true,
        // Previews (`pulumi preview`, `ops deploy --dry-run`, `ops status`, pull requests) build
        // nothing: they need no Docker, registry or build secrets, and a changed context shows
        // as an unknown digest until `up` builds it. `up` builds exactly once.
        buildOnPreview: false,
        tags: [`${repository}:${args.tag}`],
        cacheFrom: [{ registry: { ref: cache } }],
        cacheTo: [
          { registry: { ref: cache, mode: "max", imageManifest: true, ociMediaTypes: true } },
        ],
        // The nonce changes the inputs (so Pulumi sees a diff) and noCache makes BuildKit
        // actually redo every step instead of replaying the cache.
        ...(rebuild
          ? { buildArgs: { [REBUILD_NONCE_ARG]: args.rebuildNonce }, noCache: true }
          : {}),
        ...(args.registryUsername !== undefined
          ? {
              registries: [
                {
                  address: args.registryServer ?? registryHost(repository),
                  username: args.registryUsername,
                  password: pulumi.secret(args.registryPassword as pulumi.Input<string>),
                },
              ],
            }
          : {}),
      },
      args.transform?.image,
      // Deleting an Image deletes its pushed tags where the registry allows it. Every digest is a
      // release artifact that history, rollbacks and other stacks may still run, and the build
      // leaves the state whenever a deploy pins a ref (--skip-build, a rollback, a promotion).
      { retainOnDelete: true },
    );
  }
}
