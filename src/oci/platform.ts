import { BadInputError } from '../errors.js';

/** The `platform` object of the OCI image index (and Docker manifest list). */
export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
  readonly 'os.version'?: string;
  readonly 'os.features'?: readonly string[];
}

const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', x86: '386', i386: '386', aarch64: 'arm64', armhf: 'arm', armel: 'arm' };

/**
 * Canonical form used for comparison and for writing indexes: lower case, GOARCH names, and
 * containerd's default variants (arm64 → v8, arm → v7) so that a config without a variant
 * and an index entry with `v8` name the same platform.
 */
export function normalizePlatform(platform: Platform): Platform {
  const os = platform.os.trim().toLowerCase();
  const rawArch = platform.architecture.trim().toLowerCase();
  const architecture = ARCH_ALIASES[rawArch] ?? rawArch;
  let variant = platform.variant?.trim().toLowerCase() || undefined;
  if (architecture === 'arm64' && (variant === undefined || variant === '8')) variant = 'v8';
  if (architecture === 'arm' && variant === undefined) variant = 'v7';
  if (architecture === 'arm' && variant && /^\d$/.test(variant)) variant = `v${variant}`;
  const result: { -readonly [K in keyof Platform]: Platform[K] } = { architecture, os };
  if (platform['os.version']) result['os.version'] = platform['os.version'];
  if (platform['os.features']?.length) result['os.features'] = [...platform['os.features']];
  if (variant) result.variant = variant;
  return result;
}

/** `linux/arm64/v8` (and ` (os.version X)` when set, which only Windows uses). */
export function formatPlatform(platform: Platform): string {
  const base = [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
  return platform['os.version'] ? `${base} (os.version ${platform['os.version']})` : base;
}

/** Parses `os/arch[/variant]` as `docker --platform` takes it. */
export function parsePlatform(value: string): Platform {
  const parts = value.trim().split('/');
  const [os, architecture, variant, ...rest] = parts;
  if (!os || !architecture || rest.length > 0 || parts.some((p) => !/^[A-Za-z0-9._-]+$/.test(p))) {
    throw new BadInputError(`invalid platform "${value}": expected os/arch[/variant], e.g. linux/arm64`);
  }
  return normalizePlatform(variant ? { os, architecture, variant } : { os, architecture });
}

/** A stable key naming a platform after normalisation; equal keys mean the same platform. */
export function platformKey(platform: Platform): string {
  const p = normalizePlatform(platform);
  return [p.os, p.architecture, p.variant ?? '', p['os.version'] ?? '', [...(p['os.features'] ?? [])].sort().join(',')].join('|');
}

export function platformsEqual(a: Platform, b: Platform): boolean {
  return platformKey(a) === platformKey(b);
}

/** BuildKit marks attestation manifests with the platform unknown/unknown. */
export function isUnknownPlatform(platform: Platform | undefined): boolean {
  return platform?.os === 'unknown' && platform.architecture === 'unknown';
}
