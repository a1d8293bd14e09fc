import type { Arch } from '../arch.js';
import type { DockerCli } from '../docker/docker-cli.js';
import type { Platform } from '../oci/platform.js';

interface CallOptions {
  readonly signal?: AbortSignal;
}

/** A single-platform image manifest as the registry serves it. */
export interface RemoteImage {
  /** Digest of the image manifest. */
  readonly digest: string;
  readonly mediaType: string;
  /** `config.digest`: for an image pushed from Docker, its local image ID. */
  readonly configDigest: string;
  readonly platform: Platform;
}

/** An index pushed by digest only: no tag points at it yet. */
export interface PushedIndex {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly manifests: ReadonlyArray<{ readonly digest: string; readonly size: number; readonly platform: Platform }>;
}

/**
 * The registry operations the pipeline needs, bound to one registry for the whole run (one
 * client: its token and connections are reused by every step). Implemented by
 * `registry-services.ts` over the project's own OCI client.
 */
export interface RegistryServices {
  /** Throws a MultiarchError with code NOT_FOUND when the reference does not exist. */
  resolveDigest(reference: string, options?: CallOptions): Promise<{ readonly digest: string; readonly size: number }>;
  /** The image manifest behind a reference (tag or digest); an index is an error. */
  readImage(reference: string, options?: CallOptions): Promise<RemoteImage>;
  /** The entries of an index (attestation manifests left out); an image manifest is an error. */
  readIndex(reference: string, options?: CallOptions): Promise<{ readonly digest: string; readonly manifests: ReadonlyArray<{ readonly digest: string; readonly platform: Platform }> }>;
  /** Pushes an OCI index of `sources` (`registry/repo@sha256:…`) by digest, tagging nothing. */
  pushIndex(repository: string, sources: readonly string[], options?: CallOptions): Promise<PushedIndex>;
  /** Structural checks of a pushed reference (every child, config and layer present); throws VerifyFailedError. */
  verifyImage(reference: string, options?: CallOptions): Promise<unknown>;
  /** Points `tag` at the manifest `digest` of the repository (`registry/repo`). */
  moveTag(repository: string, tag: string, digest: string, options?: CallOptions): Promise<void>;
  /**
   * Removes a tag but not the manifest; false where the registry cannot delete a tag alone
   * (Distribution 2.x deletes only by digest, which would take the published image too).
   */
  deleteTag?(repository: string, tag: string, options?: CallOptions): Promise<boolean>;
  /** Compressed size (config + layers) of an image as clients download it. */
  imageSize?(reference: string, options?: CallOptions): Promise<number>;
  close?(): Promise<void>;
}

/** Outcome of one smoke test; `passed: false` means the image is broken. */
export interface SmokeOutcome {
  readonly passed: boolean;
  readonly summary: string;
}

/**
 * How the pipeline tests an image on an engine (the product test or a command). `image`
 * is the image ID the build produced, never a tag another run could move.
 */
export type SmokeTester = (options: {
  readonly docker: DockerCli;
  readonly image: string;
  readonly arch: Arch;
  readonly signal: AbortSignal;
  readonly logFile: string;
  readonly timeoutMs: number;
}) => Promise<SmokeOutcome>;
