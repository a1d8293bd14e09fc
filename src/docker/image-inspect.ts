import type { DockerCli } from './docker-cli.js';

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

export async function inspectLocalImage(docker: DockerCli, image: string, signal?: AbortSignal): Promise<LocalImageInfo | undefined> {
  const result = await docker.run(['image', 'inspect', image], { reject: false, ...(signal ? { signal } : {}) });
  if (result.exitCode !== 0) return undefined;
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
