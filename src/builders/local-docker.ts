import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerPlatform, hostArch as detectHostArch, type Arch } from '../arch.js';
import type { DockerCli } from '../docker/docker-cli.js';
import { inspectLocalImage } from '../docker/image-inspect.js';
import { BuildFailedError, CancelledError, HostSetupError, MultiarchError } from '../errors.js';
import type { Builder, BuildRequest, BuildResult } from './builder.js';

export interface LocalDockerBuilderOptions {
  readonly docker: DockerCli;
  /** The engine's CPU; arches other than this one build under QEMU user-mode emulation. */
  readonly hostArch?: Arch;
}

const BINFMT_AARCH64 = '/proc/sys/fs/binfmt_misc/qemu-aarch64';
const BINFMT_X86_64 = '/proc/sys/fs/binfmt_misc/qemu-x86_64';

/**
 * Builds with `docker build --platform` on a Docker engine: natively for the engine's own
 * arch, through binfmt_misc + QEMU for the other. Also serves remote engines: give it a
 * DockerCli whose `host` is `tcp://…`/`ssh://…` (the emulation check is then skipped,
 * since binfmt lives on that machine).
 */
export function createLocalDockerBuilder(options: LocalDockerBuilderOptions): Builder {
  const { docker } = options;
  const remote = docker.host !== undefined || docker.context !== undefined;
  return {
    name: remote ? `docker (${docker.describe()})` : 'docker (local)',
    async build(request: BuildRequest): Promise<BuildResult> {
      const started = Date.now();
      if (!remote) assertCanRun(request.arch, options.hostArch ?? detectHostArch());
      // The image ID comes from the build itself (--iidfile), never from the tag afterwards:
      // a concurrent run building the same tag could move it between build and inspect.
      const idDir = await mkdtemp(join(tmpdir(), 'multiarch-iid-'));
      const iidFile = join(idDir, 'iid');
      const args = ['build', '--progress=plain', '--platform', dockerPlatform(request.arch), '-f', request.dockerfile, '--iidfile', iidFile, '-t', request.tag];
      for (const [key, value] of Object.entries(request.buildArgs)) args.push('--build-arg', `${key}=${value}`);
      for (const secret of request.secrets ?? []) args.push('--secret', `id=${secret.id},src=${secret.src}`);
      for (const [key, value] of Object.entries(request.labels ?? {})) args.push('--label', `${key}=${value}`);
      if (request.noCache) args.push('--no-cache');
      args.push(request.contextDir);
      let imageId: string;
      try {
        await docker.run(args, {
          logFile: request.logFile,
          ...(request.signal ? { signal: request.signal } : {}),
          ...(request.onLine ? { onLine: request.onLine } : {}),
        });
        imageId = (await readFile(iidFile, 'utf8')).trim();
      } catch (error) {
        if (error instanceof CancelledError) throw error;
        const detail = error instanceof MultiarchError ? error.message : String(error);
        throw new BuildFailedError(`building ${request.tag} for ${dockerPlatform(request.arch)} failed: ${detail} (full log: ${request.logFile})`, {
          cause: error,
        });
      } finally {
        await rm(idDir, { recursive: true, force: true });
      }
      const image = await inspectLocalImage(docker, imageId, request.signal);
      if (!image) throw new BuildFailedError(`docker build reported image ${imageId} but it is not on ${docker.describe()}`);
      if (image.architecture !== request.arch) {
        throw new BuildFailedError(`${request.tag} was built for ${image.architecture}, not ${request.arch}: check the BASE_IMAGE build argument`);
      }
      return { arch: request.arch, tag: request.tag, imageId: image.id, sizeBytes: image.size, durationMs: Date.now() - started };
    },
  };
}

function assertCanRun(arch: Arch, host: Arch): void {
  if (arch === host) return;
  const entry = arch === 'arm64' ? BINFMT_AARCH64 : BINFMT_X86_64;
  if (!existsSync(entry)) {
    throw new HostSetupError(`cannot build ${arch} on this ${host} host: QEMU is not registered in binfmt_misc (${entry}); run "multiarch doctor --fix"`);
  }
}
