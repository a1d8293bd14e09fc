import type { DockerCli } from './docker-cli.js';
import { MultiarchError } from '../errors.js';

export interface PushImageOptions {
  readonly docker: DockerCli;
  /** The image ID to push (a local tag works too, but another run can move a tag). */
  readonly source: string;
  /** Full remote reference, e.g. `127.0.0.1:5000/multi-arch-test:run-…-amd64`. */
  readonly target: string;
  readonly signal?: AbortSignal;
  readonly logFile?: string;
  /** Each line docker prints (layer progress, "Retrying in 5 seconds"). */
  readonly onLine?: (line: string) => void;
  /** Environment for `docker push` (a private DOCKER_CONFIG with the run's credentials). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface PushedImage {
  readonly reference: string;
  /** Digest of the pushed (plain, single-platform) image manifest. */
  readonly digest: string;
}

const DIGEST_LINE = /digest: (sha256:[a-f0-9]{64}) size: \d+/;

/**
 * `docker tag` + `docker push`. A per-arch tag stays a plain image manifest (no
 * attestation index), which Lambda and other strict runtimes require.
 */
export async function pushImage(options: PushImageOptions): Promise<PushedImage> {
  const { docker, source, target } = options;
  const common = { ...(options.signal ? { signal: options.signal } : {}), ...(options.logFile ? { logFile: options.logFile } : {}) };
  await docker.run(['tag', source, target], common);
  let result;
  try {
    result = await docker.run(['push', target], { ...common, ...(options.onLine ? { onLine: options.onLine } : {}), ...(options.env ? { env: options.env } : {}) });
  } catch (error) {
    if (error instanceof MultiarchError && error.code === 'CANCELLED') throw error;
    throw new MultiarchError('REGISTRY', `pushing ${target} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const digest = DIGEST_LINE.exec(result.stdout)?.[1];
  if (!digest) throw new MultiarchError('REGISTRY', `docker push ${target} printed no digest`);
  return { reference: target, digest };
}
