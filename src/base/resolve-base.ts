import { lookup } from 'node:dns/promises';
import { hostArch, type Arch } from '../arch.js';
import type { DockerCli } from '../docker/docker-cli.js';
import { ensureBaseImages } from './base-image.js';

/**
 * Where the image's Debian comes from: `public` (the Dockerfile's default,
 * debian:trixie-slim from Docker Hub), `local` (bootstrapped here with mmdebstrap, for
 * hosts that cannot reach Docker Hub), `auto` (public if Docker Hub resolves, else local),
 * or any image reference.
 */
export type BaseChoice = 'auto' | 'public' | 'local' | { readonly image: string };

export function parseBaseChoice(value: string): BaseChoice {
  return value === 'auto' || value === 'public' || value === 'local' ? value : { image: value };
}

export interface ResolvedBase {
  /** Per arch: BASE_IMAGE and BUILD_BASE_IMAGE build args (absent = Dockerfile default). */
  readonly args: Readonly<Record<Arch, { baseImage?: string; buildBaseImage?: string }>>;
  readonly description: string;
}

export interface ResolveBaseOptions {
  readonly docker: DockerCli;
  readonly arches: readonly Arch[];
  readonly stateDir: string;
  readonly signal?: AbortSignal;
  readonly onStatus?: (arch: Arch, message: string) => void;
}

export async function resolveBase(choice: BaseChoice, options: ResolveBaseOptions): Promise<ResolvedBase> {
  const effective = choice === 'auto' ? ((await dockerHubResolves()) ? 'public' : 'local') : choice;
  if (effective === 'public') {
    return { args: { amd64: {}, arm64: {} }, description: 'debian:trixie-slim (Docker Hub)' };
  }
  if (typeof effective === 'object') {
    return {
      args: { amd64: { baseImage: effective.image }, arm64: { baseImage: effective.image } },
      description: effective.image,
    };
  }
  // The npm stage runs on the build platform, so the host's base is needed too.
  const native = hostArch();
  const needed = [...new Set<Arch>([...options.arches, native])];
  const bases = await ensureBaseImages({
    docker: options.docker,
    arches: needed,
    stateDir: options.stateDir,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onStatus ? { onStatus: options.onStatus } : {}),
  });
  const tagOf = (arch: Arch): string => bases.find((b) => b.arch === arch)?.tag ?? '';
  const args = { amd64: {}, arm64: {} } as Record<Arch, { baseImage?: string; buildBaseImage?: string }>;
  for (const arch of options.arches) args[arch] = { baseImage: tagOf(arch), buildBaseImage: tagOf(native) };
  return { args, description: `local mmdebstrap bases (${needed.map(tagOf).join(', ')})` };
}

async function dockerHubResolves(): Promise<boolean> {
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2_000).unref());
  const probe = lookup('registry-1.docker.io').then(
    () => true,
    () => false,
  );
  return Promise.race([probe, timeout]);
}
