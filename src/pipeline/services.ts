import type { Arch } from '../arch.js';
import type { DockerCli } from '../docker/docker-cli.js';

/** The registry operations the pipeline needs (implemented by src/index/). */
export interface RegistryServices {
  createIndex(options: {
    readonly target: string;
    readonly sources: string[];
    readonly insecure?: boolean;
    readonly signal?: AbortSignal;
  }): Promise<{ readonly reference: string; readonly digest: string; readonly manifests: readonly { readonly digest: string; readonly size: number; readonly source: string }[] }>;
  verifyImage(options: { readonly reference: string; readonly insecure?: boolean; readonly signal?: AbortSignal }): Promise<unknown>;
  /** Throws a MultiarchError with code NOT_FOUND when the reference does not exist. */
  resolveDigest(reference: string, options: { readonly insecure?: boolean; readonly signal?: AbortSignal }): Promise<{ readonly digest: string; readonly size: number }>;
  /** Compressed size (config + layers) of an image as clients download it. */
  imageSize?(reference: string, options: { readonly insecure?: boolean; readonly signal?: AbortSignal }): Promise<number>;
}

/** Outcome of one smoke test; `passed: false` means the image is broken. */
export interface SmokeOutcome {
  readonly passed: boolean;
  readonly summary: string;
}

/** How the pipeline tests an image on an engine (the product test or a command). */
export type SmokeTester = (options: {
  readonly docker: DockerCli;
  readonly image: string;
  readonly arch: Arch;
  readonly signal: AbortSignal;
  readonly logFile: string;
  readonly timeoutMs: number;
}) => Promise<SmokeOutcome>;
