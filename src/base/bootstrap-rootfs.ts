import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { execa } from 'execa';
import type { Arch } from '../arch.js';
import { CancelledError, HostSetupError } from '../errors.js';

export interface BootstrapRootfsOptions {
  readonly arch: Arch;
  /** Debian suite, e.g. `trixie`. */
  readonly suite: string;
  readonly mirror: string;
  /** Where the rootfs tarball goes; reused when present. */
  readonly tarball: string;
  readonly logFile?: string;
  readonly signal?: AbortSignal;
}

/**
 * A Debian minbase root filesystem as a tarball, made with mmdebstrap. The foreign arch
 * runs its maintainer scripts under QEMU (about 2 minutes for arm64). Written to a
 * temporary name and renamed, so an interrupted run never leaves a truncated cache.
 */
export async function bootstrapRootfs(options: BootstrapRootfsOptions): Promise<{ tarball: string; cached: boolean }> {
  if (await nonEmpty(options.tarball)) return { tarball: options.tarball, cached: true };
  await mkdir(dirname(options.tarball), { recursive: true });
  // unique per process: two concurrent bootstraps of the same arch both finish with an atomic rename
  const partial = `${options.tarball}.${process.pid}.partial`;
  await rm(partial, { force: true });
  const args = [
    '--variant=minbase',
    `--architectures=${options.arch}`,
    '--format=tar',
    ...SLIM_DPKG_OPTIONS.map((option) => `--dpkgopt=${option}`),
    options.suite,
    partial,
    ...aptSources(options.suite, options.mirror),
  ];
  const result = await execa('mmdebstrap', args, {
    reject: false,
    all: true,
    cancelSignal: options.signal,
    ...(options.logFile ? { stdout: { file: options.logFile }, stderr: { file: options.logFile } } : {}),
  }).catch((error: unknown) => {
    throw new HostSetupError(`mmdebstrap could not run (is it installed? run "multiarch doctor --fix"): ${String(error)}`, { cause: error });
  });
  if (options.signal?.aborted) {
    await rm(partial, { force: true });
    throw new CancelledError(`bootstrapping ${options.suite}/${options.arch} cancelled`);
  }
  if (result.exitCode !== 0) {
    await rm(partial, { force: true });
    const where = options.logFile ? ` (log: ${options.logFile})` : '';
    throw new HostSetupError(`mmdebstrap ${options.suite} for ${options.arch} failed with exit ${result.exitCode}${where}`);
  }
  await rename(partial, options.tarball);
  return { tarball: options.tarball, cached: false };
}

/**
 * What makes the official `-slim` images slim, and fast to install into: no docs, man
 * pages or translations unpacked, and no fsync per file (under QEMU, dpkg's fsyncs and
 * file count dominate the arm64 build). mmdebstrap keeps these in
 * /etc/dpkg/dpkg.cfg.d/, so they also apply to the image's own `apt-get install`.
 */
export const SLIM_DPKG_OPTIONS: readonly string[] = [
  'force-unsafe-io',
  'path-exclude=/usr/share/doc/*',
  'path-include=/usr/share/doc/*/copyright',
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/info/*',
  'path-exclude=/usr/share/groff/*',
  'path-exclude=/usr/share/lintian/*',
  'path-exclude=/usr/share/locale/*',
];

/**
 * The same apt sources as the official debian:<suite>-slim image: the release, its
 * updates and the security archive — Chromium's fixes reach stable through the latter.
 */
export function aptSources(suite: string, mirror: string): string[] {
  const security = mirror.replace(/\/debian\/?$/, '/debian-security');
  return [`deb ${mirror} ${suite} main`, `deb ${mirror} ${suite}-updates main`, `deb ${security} ${suite}-security main`];
}

async function nonEmpty(path: string): Promise<boolean> {
  try {
    return (await stat(path)).size > 0;
  } catch {
    return false;
  }
}
