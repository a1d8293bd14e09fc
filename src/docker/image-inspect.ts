import type { DockerCli } from './docker-cli.js';
import { HostSetupError } from '../errors.js';
import { lastLine } from '../format.js';

/** The fields of `docker image inspect` this project reads. */
export interface LocalImageInfo {
  readonly id: string;
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
  /** Uncompressed size in bytes, as the engine reports it. */
  readonly size: number;
  readonly repoDigests: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * `undefined` only when the engine says the image does not exist; any other failure
 * (engine unreachable, permission denied) throws, so it is never mistaken for "missing".
 */
export async function inspectLocalImage(docker: DockerCli, image: string, signal?: AbortSignal): Promise<LocalImageInfo | undefined> {
  const result = await docker.run(['image', 'inspect', image], { reject: false, ...(signal ? { signal } : {}) });
  if (result.exitCode !== 0) {
    if (/no such (image|object)/i.test(result.stderr)) return undefined;
    throw new HostSetupError(`docker image inspect ${image} on ${docker.describe()} failed: ${lastLine(result.stderr || result.stdout)}`);
  }
  const [raw] = JSON.parse(result.stdout) as Array<{
    Id: string;
    Os: string;
    Architecture: string;
    Variant?: string;
    Size: number;
    RepoDigests?: string[];
    Config?: { Labels?: Record<string, string> | null };
  }>;
  if (!raw) return undefined;
  return {
    id: raw.Id,
    os: raw.Os,
    architecture: raw.Architecture,
    ...(raw.Variant ? { variant: raw.Variant } : {}),
    size: raw.Size,
    repoDigests: raw.RepoDigests ?? [],
    labels: raw.Config?.Labels ?? {},
  };
}
