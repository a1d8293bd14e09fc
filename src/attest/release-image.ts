import type { DockerCli } from '../docker/docker-cli.js';
import { readImageContents } from './image-contents.js';
import { buildProvenance, type ProvenanceInput } from './provenance.js';
import { buildSbom, summarizeSbom, type SbomSummary } from './sbom.js';
import type { ReleaseImage } from './sign-release.js';

export interface PrepareReleaseImageOptions {
  readonly docker: DockerCli;
  /** Local image ID the build reported (`sha256:…`); the SBOM is read from it. */
  readonly imageId: string;
  /** Manifest digest of the pushed image, what gets signed. */
  readonly manifestDigest: string;
  /** `registry/repository` it was pushed to (the SBOM's subject name). */
  readonly repository: string;
  readonly platform: { readonly os: string; readonly architecture: string; readonly variant?: string };
  /** Product version (`org.opencontainers.image.version`), when known. */
  readonly version?: string;
  readonly provenance: ProvenanceInput;
  /** Recorded as the SBOM's generating tool. */
  readonly tool: { readonly name: string; readonly version: string };
  readonly workDir?: string;
  readonly signal?: AbortSignal;
}

/**
 * The documents to attest to one per-arch image: its SBOM (read from the local image by
 * ID) and its provenance, plus the SBOM's package counts for the report. Feed the results
 * to `signRelease`.
 */
export async function prepareReleaseImage(options: PrepareReleaseImageOptions): Promise<ReleaseImage & { readonly summary: SbomSummary }> {
  const provenance = buildProvenance(options.provenance);
  const contents = await readImageContents({ docker: options.docker, image: options.imageId, workDir: options.workDir, signal: options.signal });
  const finished = options.provenance.finishedOn;
  const sbom = buildSbom({
    subject: { name: options.repository, imageId: options.imageId, manifestDigest: options.manifestDigest, platform: options.platform, ...(options.version ? { version: options.version } : {}) },
    contents,
    timestamp: finished instanceof Date ? finished : new Date(String(finished)),
    tool: options.tool,
  });
  const platform = [options.platform.os, options.platform.architecture, options.platform.variant].filter(Boolean).join('/');
  return { platform, digest: options.manifestDigest, sbom, provenance, summary: summarizeSbom(sbom) };
}
