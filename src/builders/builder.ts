import type { Arch } from '../arch.js';

/** What to build for one architecture. Paths are absolute. */
export interface BuildRequest {
  readonly arch: Arch;
  /** Build context directory (normally `<project>/image`). */
  readonly contextDir: string;
  readonly dockerfile: string;
  /** Local tag to give the result, e.g. `multi-arch-test:latest-arm64v8`. */
  readonly tag: string;
  readonly buildArgs: Readonly<Record<string, string>>;
  /** Labels added to the image (`docker build --label`). */
  readonly labels?: Readonly<Record<string, string>>;
  /** BuildKit secrets (`--secret id=…,src=…`), e.g. a CA bundle for TLS-intercepting proxies. */
  readonly secrets?: readonly { readonly id: string; readonly src: string }[];
  /** Ignore the layer cache (cold-build measurements, suspected cache poisoning). */
  readonly noCache?: boolean;
  /** Every line of the builder's output is appended here; kept for failures. */
  readonly logFile: string;
  readonly signal?: AbortSignal;
  /** Called with each output line as it arrives (progress display). */
  readonly onLine?: (line: string) => void;
}

export interface BuildResult {
  readonly arch: Arch;
  readonly tag: string;
  /** Local image ID (config digest), when the image exists on the engine that built it. */
  readonly imageId?: string;
  /** Uncompressed size on that engine, as the builder's own inspect found it. */
  readonly sizeBytes?: number;
  /** The builder's own id of this build (CodeBuild `project:uuid`), for provenance. */
  readonly buildId?: string;
  /**
   * The source the builder fetched for itself (CodeBuild's resolved source version), when
   * that is not the local checkout: the commit this image was actually built from.
   */
  readonly source?: { readonly commit: string; readonly repository?: string };
  /** Set by builders that push themselves (CodeBuild): where the image went, by digest. */
  readonly pushed?: { readonly reference: string; readonly digest: string };
  readonly durationMs: number;
}

/** One way of building an image for an arch: local Docker, a remote engine, CodeBuild. */
export interface Builder {
  readonly name: string;
  build(request: BuildRequest): Promise<BuildResult>;
}
