import { link, mkdtemp, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerPlatform, type Arch } from '../arch.js';
import type { DockerCli } from '../docker/docker-cli.js';
import { inspectLocalImage } from '../docker/image-inspect.js';
import { HostSetupError, wrapError } from '../errors.js';
import { bootstrapRootfs } from './bootstrap-rootfs.js';

export interface EnsureBaseImagesOptions {
  readonly docker: DockerCli;
  readonly arches: readonly Arch[];
  /** Debian suite; `trixie` is stable and is what the public `debian:trixie-slim` is. */
  readonly suite?: string;
  readonly mirror?: string;
  /** Tarball cache and logs live here (`<stateDir>/base`). */
  readonly stateDir: string;
  readonly repository?: string;
  readonly signal?: AbortSignal;
  readonly onStatus?: (arch: Arch, message: string) => void;
}

export interface BaseImage {
  readonly arch: Arch;
  readonly tag: string;
  readonly cached: boolean;
  readonly durationMs: number;
}

export const DEFAULT_BASE_REPOSITORY = 'multiarch-base';
const BASE_LABEL = 'io.github.puppeteer-multiarch.base';
/** Bumped whenever the bootstrap recipe changes, so cached tarballs and images are remade. */
const RECIPE = 'r2';

export function baseImageTag(arch: Arch, suite = 'trixie', repository = DEFAULT_BASE_REPOSITORY): string {
  return `${repository}:${suite}-${arch}`;
}

/**
 * Per-platform Debian base images made without Docker Hub. `docker import` would label an
 * arm64 rootfs as the host's arch, so the tarball goes through a `FROM scratch` build with
 * `--platform`, which writes the right architecture into the image config. Arches are
 * bootstrapped in parallel; an existing image with our label is reused instantly.
 */
export async function ensureBaseImages(options: EnsureBaseImagesOptions): Promise<BaseImage[]> {
  return Promise.all(options.arches.map((arch) => ensureShared(arch, options)));
}

// Arches resolve their bases independently (no barrier), and both need the build
// platform's base: one bootstrap per engine and base, whoever asks first.
const inFlight = new Map<string, Promise<BaseImage>>();

function ensureShared(arch: Arch, options: EnsureBaseImagesOptions): Promise<BaseImage> {
  const key = `${options.docker.describe()}|${baseImageTag(arch, options.suite, options.repository)}`;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = ensureBaseImage(arch, options).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

async function ensureBaseImage(arch: Arch, options: EnsureBaseImagesOptions): Promise<BaseImage> {
  const started = Date.now();
  const suite = options.suite ?? 'trixie';
  const tag = baseImageTag(arch, suite, options.repository);
  const existing = await inspectLocalImage(options.docker, tag, options.signal);
  if (existing && existing.architecture === arch && existing.labels[BASE_LABEL] === `${suite}-${RECIPE}`) {
    return { arch, tag, cached: true, durationMs: Date.now() - started };
  }
  try {
    const baseDir = join(options.stateDir, 'base');
    options.onStatus?.(arch, `bootstrapping Debian ${suite} (${arch}) with mmdebstrap`);
    const { tarball } = await bootstrapRootfs({
      arch,
      suite,
      mirror: options.mirror ?? 'http://deb.debian.org/debian',
      tarball: join(baseDir, `${suite}-${arch}-${RECIPE}.tar`),
      logFile: join(baseDir, `${suite}-${arch}-${RECIPE}.log`),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    options.onStatus?.(arch, `importing ${tag}`);
    await importRootfs(options.docker, tarball, tag, arch, suite, options.signal);
  } catch (error) {
    throw wrapError(`making base image ${tag}`, error);
  }
  const made = await inspectLocalImage(options.docker, tag, options.signal);
  if (made?.architecture !== arch) {
    throw new HostSetupError(`base image ${tag} says architecture ${made?.architecture ?? 'none'}, expected ${arch}`);
  }
  return { arch, tag, cached: false, durationMs: Date.now() - started };
}

async function importRootfs(docker: DockerCli, tarball: string, tag: string, arch: Arch, suite: string, signal?: AbortSignal): Promise<void> {
  const context = await mkdtemp(join(tmpdir(), 'multiarch-base-'));
  try {
    // A hard link keeps the 100+ MB tarball out of a second copy when on the same fs.
    await link(tarball, join(context, 'rootfs.tar')).catch(() => copyFile(tarball, join(context, 'rootfs.tar')));
    await writeFile(
      join(context, 'Dockerfile'),
      [
        'FROM scratch',
        'ADD rootfs.tar /',
        `LABEL ${BASE_LABEL}="${suite}-${RECIPE}" org.opencontainers.image.title="debian ${suite} minbase (${arch})"`,
        'CMD ["bash"]',
        '',
      ].join('\n'),
    );
    await docker.run(['build', '--platform', dockerPlatform(arch), '-t', tag, context], { ...(signal ? { signal } : {}) });
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}
