import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, sep } from 'node:path';
import { execa } from 'execa';
import type { DockerCli } from '../docker/docker-cli.js';
import { BadInputError, CancelledError, MultiarchError, throwIfAborted } from '../errors.js';
import { parseDpkgStatus, parseOsRelease, type DebianPackage } from './dpkg-status.js';
import { isPackageDirectory, npmPackageFromManifest, type NpmPackage } from './npm-packages.js';

/** Where npm packages live in the product image: the global prefix and the browse service. */
export const DEFAULT_NPM_ROOTS: readonly string[] = ['/usr/local/lib/node_modules', '/opt/browse'];

export interface ReadImageContentsOptions {
  readonly docker: DockerCli;
  /**
   * The image, by ID (`sha256:…`, what a build reports) or by digest reference
   * (`host/repo@sha256:…`). Never a tag: another run could move it between build and SBOM.
   */
  readonly image: string;
  /** Directories scanned for npm packages (default {@link DEFAULT_NPM_ROOTS}). */
  readonly npmRoots?: readonly string[];
  /** Scratch space for the extracted files (default the OS temp dir); removed afterwards. */
  readonly workDir?: string;
  readonly signal?: AbortSignal;
}

/** What an image holds, read from its files (nothing inside it is run). */
export interface ImageContents {
  readonly image: string;
  readonly debian: readonly DebianPackage[];
  readonly npm: readonly NpmPackage[];
  /** From `/usr/lib/os-release` (`debian`, `13`), when present. */
  readonly os: { readonly id?: string; readonly versionId?: string; readonly codename?: string };
  /** True when the image has a dpkg database (a distroless image has none). */
  readonly hasDpkgDatabase: boolean;
}

const IMAGE_ID_RE = /^sha256:[a-f0-9]{64}$/;
const DIGEST_REF_RE = /^[^@\s]+@sha256:[a-f0-9]{64}$/;

function dockerArgs(docker: DockerCli, args: readonly string[]): { args: string[]; env: Record<string, string> } {
  return { args: [...(docker.context ? ['--context', docker.context] : []), ...args], env: docker.host ? { DOCKER_HOST: docker.host } : {} };
}

/**
 * Copies `path` out of container `id` and unpacks it below `into`; the docker cp stream is
 * fed straight to tar, filtered by `patterns`, so a 100 MB node_modules never lands whole.
 * Returns false when the path does not exist in the image.
 */
async function copyOut(docker: DockerCli, id: string, path: string, into: string, patterns: readonly string[], signal?: AbortSignal): Promise<boolean> {
  await mkdir(into, { recursive: true });
  const cp = dockerArgs(docker, ['cp', '--follow-link', `${id}:${path}`, '-']);
  const source = execa(docker.bin, cp.args, { env: cp.env, cancelSignal: signal, reject: false, encoding: 'buffer', stderr: 'pipe' });
  const tarArgs = ['-x', '-C', into, '--no-same-owner', '--no-same-permissions', ...(patterns.length > 0 ? ['--wildcards', ...patterns] : [])];
  const extract = source.pipe('tar', tarArgs, { cancelSignal: signal, reject: false });
  const [cpResult, tarResult] = await Promise.all([source, extract]);
  if (signal?.aborted) throw new CancelledError('reading the image contents cancelled', { cause: signal.reason });
  const cpError = Buffer.from(cpResult.stderr as Uint8Array).toString('utf8');
  if (cpResult.exitCode !== 0) {
    if (/could not find the file|no such file or directory/i.test(cpError)) return false;
    throw new MultiarchError('INTERNAL', `docker cp ${path} exited ${cpResult.exitCode}: ${cpError.trim().split('\n').at(-1) ?? ''}`);
  }
  // tar exits 2 when a wildcard matched nothing, which is an empty result, not a failure
  if (tarResult.exitCode !== 0 && !/Not found in archive/.test(String(tarResult.stderr))) {
    throw new MultiarchError('INTERNAL', `unpacking ${path} from the image failed: ${String(tarResult.stderr).trim().split('\n').at(-1) ?? ''}`);
  }
  return true;
}

async function listFiles(root: string, name: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name === name).map((e) => join(e.parentPath, e.name));
}

async function readIfPresent(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
}

/**
 * Reads the Debian and npm packages of a local image from its files: creates a container
 * (never started, so a foreign-arch image needs no emulation and nothing in it runs),
 * copies out the dpkg database, os-release and every package.json under the npm roots,
 * and removes the container.
 */
export async function readImageContents(options: ReadImageContentsOptions): Promise<ImageContents> {
  const { docker, image, signal } = options;
  if (!IMAGE_ID_RE.test(image) && !DIGEST_REF_RE.test(image)) {
    throw new BadInputError(`image "${image}" must be an image ID (sha256:…) or a digest reference (repo@sha256:…), not a tag another run could move`);
  }
  throwIfAborted(signal, 'reading the image contents');
  const scratch = await mkdtemp(join(options.workDir ?? tmpdir(), 'multiarch-sbom-'));
  const create = dockerArgs(docker, ['create', '--network', 'none', '--entrypoint', '/nonexistent', image]);
  const created = await execa(docker.bin, create.args, { env: create.env, cancelSignal: signal, reject: false });
  if (signal?.aborted) throw new CancelledError('reading the image contents cancelled', { cause: signal.reason });
  if (created.exitCode !== 0) {
    await rm(scratch, { recursive: true, force: true });
    throw new MultiarchError('NOT_FOUND', `cannot read image ${image}: ${String(created.stderr).trim().split('\n').at(-1) ?? ''}`);
  }
  const container = String(created.stdout).trim();
  try {
    const dpkgDir = join(scratch, 'dpkg');
    const osDir = join(scratch, 'os');
    const hasDpkgDatabase = await copyOut(docker, container, '/var/lib/dpkg/status', dpkgDir, [], signal);
    const hasOsRelease = (await copyOut(docker, container, '/usr/lib/os-release', osDir, [], signal)) || (await copyOut(docker, container, '/etc/os-release', osDir, [], signal));
    const debian = hasDpkgDatabase ? parseDpkgStatus((await readIfPresent(join(dpkgDir, 'status'))) ?? '') : [];
    const os = hasOsRelease ? parseOsRelease((await readIfPresent(join(osDir, 'os-release'))) ?? '') : {};
    const npm: NpmPackage[] = [];
    for (const [index, root] of (options.npmRoots ?? DEFAULT_NPM_ROOTS).entries()) {
      const into = join(scratch, `npm-${index}`);
      if (!(await copyOut(docker, container, root, into, ['*package.json'], signal))) continue;
      // docker cp puts the tree under the root's last component: map back to image paths
      const base = join(into, posix.basename(root));
      for (const file of await listFiles(base, 'package.json')) {
        const dir = relative(base, dirname(file)).split(sep).join('/');
        const imageDir = dir ? posix.join(root, dir) : root;
        // the root itself is a package only when it is an application directory (/opt/browse)
        if (dir && !isPackageDirectory(imageDir)) continue;
        if (!dir && root.endsWith('/node_modules')) continue;
        let manifest: unknown;
        try {
          manifest = JSON.parse(await readFile(file, 'utf8'));
        } catch {
          continue; // a broken package.json names no package we could vouch for
        }
        const found = npmPackageFromManifest(imageDir, manifest);
        if (found) npm.push(found);
      }
    }
    npm.sort((a, b) => a.path.localeCompare(b.path));
    return { image, debian, npm, os, hasDpkgDatabase };
  } finally {
    await execa(docker.bin, dockerArgs(docker, ['rm', '-f', container]).args, { env: dockerArgs(docker, []).env, reject: false });
    await rm(scratch, { recursive: true, force: true });
  }
}
