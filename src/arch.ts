import { BadInputError } from './errors.js';

/** The CPU architectures this project builds, in Docker/OCI (GOARCH) spelling. */
export const ARCHES = ['amd64', 'arm64'] as const;
export type Arch = (typeof ARCHES)[number];

export interface ArchPlatform {
  readonly os: 'linux';
  readonly architecture: Arch;
  readonly variant?: string;
}

/**
 * The original pipeline's per-arch tag suffixes (`latest-amd64`, `latest-arm64v8`), which
 * are also the official-images namespace names; kept so existing consumers still resolve.
 */
const TAG_SUFFIX: Record<Arch, string> = { amd64: 'amd64', arm64: 'arm64v8' };

/** The original `IMAGE_ARCH` values, accepted wherever an arch is read. */
const ALIASES: Record<string, Arch> = {
  amd64: 'amd64',
  x86_64: 'amd64',
  x64: 'amd64',
  arm64: 'arm64',
  arm64v8: 'arm64',
  aarch64: 'arm64',
  'arm64/v8': 'arm64',
};

export function parseArch(value: string): Arch {
  const arch = ALIASES[value.trim().toLowerCase().replace(/^linux\//, '')];
  if (!arch) {
    throw new BadInputError(`unknown architecture "${value}": use one of ${ARCHES.join(', ')} (or arm64v8, aarch64, x86_64)`);
  }
  return arch;
}

/** Parses "amd64,arm64" in the given order; naming an arch twice is an error, not a no-op. */
export function parseArchList(value: string): Arch[] {
  const parts = value.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw new BadInputError('no architecture given: use e.g. --arch amd64,arm64');
  const arches: Arch[] = [];
  for (const part of parts) {
    const arch = parseArch(part);
    if (arches.includes(arch)) throw new BadInputError(`--arch ${value} names ${arch} twice: list each architecture once`);
    arches.push(arch);
  }
  return arches;
}

export function archTagSuffix(arch: Arch): string {
  return TAG_SUFFIX[arch];
}

/** The OCI platform of an arch; arm64 is always v8 here (the only arm64 Debian ships). */
export function archPlatform(arch: Arch): ArchPlatform {
  return arch === 'arm64' ? { os: 'linux', architecture: 'arm64', variant: 'v8' } : { os: 'linux', architecture: 'amd64' };
}

/** `linux/amd64`, `linux/arm64` — the form `docker --platform` takes. */
export function dockerPlatform(arch: Arch): string {
  return `linux/${arch}`;
}

export function hostArch(): Arch {
  switch (process.arch) {
    case 'x64':
      return 'amd64';
    case 'arm64':
      return 'arm64';
    default:
      throw new BadInputError(`unsupported host CPU "${process.arch}": this project builds on x86_64 or arm64 hosts`);
  }
}

/** Per-arch tag derived from the multi-arch tag: `latest` → `latest-arm64v8`. */
export function perArchTag(tag: string, arch: Arch): string {
  return `${tag}-${archTagSuffix(arch)}`;
}
