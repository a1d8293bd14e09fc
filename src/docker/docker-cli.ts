import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { CancelledError, HostSetupError, MultiarchError } from '../errors.js';
import { lastLine } from '../format.js';

/** How to reach a Docker engine: the local socket by default, or `DOCKER_HOST`/a context. */
export interface DockerEndpoint {
  /** Path to the docker client; `/usr/bin/docker` matches Debian's daemon (API 1.41). */
  readonly bin?: string;
  /** `unix:///path.sock`, `tcp://127.0.0.1:2375`, `ssh://user@host`. */
  readonly host?: string;
  /** A Docker context name (`docker --context`). */
  readonly context?: string;
}

export interface DockerRunOptions {
  readonly signal?: AbortSignal;
  /** Appended with every output line (stdout and stderr). */
  readonly logFile?: string;
  readonly onLine?: (line: string) => void;
  readonly input?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Do not throw on a non-zero exit; the caller inspects `exitCode`. */
  readonly reject?: boolean;
}

export interface DockerRunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Raised when a docker command exits non-zero; carries the tail of its output. */
export class DockerCommandError extends MultiarchError {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number,
    readonly outputTail: string,
  ) {
    super('INTERNAL', `docker ${args.slice(0, 2).join(' ')} exited ${exitCode}: ${lastLine(outputTail)}`);
  }
}

function defaultBin(): string {
  return '/usr/bin/docker';
}

/**
 * A thin, typed wrapper over the docker CLI. The CLI (not the Engine API) is used so that
 * BuildKit, contexts, ssh:// hosts and credential helpers behave exactly as users expect.
 */
export class DockerCli {
  readonly bin: string;
  readonly host: string | undefined;
  readonly context: string | undefined;

  constructor(endpoint: DockerEndpoint = {}) {
    this.bin = endpoint.bin ?? defaultBin();
    this.host = endpoint.host;
    this.context = endpoint.context;
  }

  /** Human-readable description of the engine this talks to. */
  describe(): string {
    if (this.context) return `context ${this.context}`;
    return this.host ?? 'local engine';
  }

  async run(args: readonly string[], options: DockerRunOptions = {}): Promise<DockerRunResult> {
    const fullArgs = [...(this.context ? ['--context', this.context] : []), ...args];
    const env: Record<string, string> = { DOCKER_BUILDKIT: '1', ...options.env };
    if (this.host) env['DOCKER_HOST'] = this.host;
    let log: WriteStream | undefined;
    if (options.logFile) {
      await mkdir(dirname(options.logFile), { recursive: true });
      log = createWriteStream(options.logFile, { flags: 'a' });
      log.write(`$ docker ${fullArgs.join(' ')}\n`);
    }
    const child: ResultPromise = execa(this.bin, fullArgs, {
      env,
      input: options.input,
      reject: false,
      cancelSignal: options.signal,
      // give docker a moment to clean up (e.g. remove a --rm container) before SIGKILL
      forceKillAfterDelay: 5_000,
      stripFinalNewline: true,
    });
    const tail: string[] = [];
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      log?.write(text);
      for (const line of text.split('\n')) {
        if (!line) continue;
        tail.push(line);
        if (tail.length > 40) tail.shift();
        options.onLine?.(line);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const result = await child;
    await new Promise<void>((resolve) => (log ? log.end(resolve) : resolve()));
    if (options.signal?.aborted) {
      throw new CancelledError(`docker ${args[0] ?? ''} cancelled`, { cause: options.signal.reason });
    }
    const exitCode = result.exitCode ?? 1;
    const stdout = typeof result.stdout === 'string' ? result.stdout : '';
    const stderr = typeof result.stderr === 'string' ? result.stderr : '';
    if (exitCode !== 0 && options.reject !== false) {
      throw new DockerCommandError(fullArgs, exitCode, tail.join('\n'));
    }
    return { stdout, stderr, exitCode };
  }

  /**
   * The engine answers with its version. (`docker info` is no test: from Docker 23 it
   * exits 0 with an empty server part when the engine is unreachable.)
   */
  async ping(signal?: AbortSignal): Promise<boolean> {
    const result = await this.run(['version', '--format', '{{.Server.Version}}'], { reject: false, ...(signal ? { signal } : {}) });
    return result.exitCode === 0 && result.stdout.trim() !== '';
  }

  /** Throws HostSetupError (exit 7) when the engine does not answer: a host problem, not a failed step. */
  async assertReachable(signal?: AbortSignal): Promise<void> {
    if (!(await this.ping(signal))) {
      throw new HostSetupError(`cannot reach the Docker engine (${this.describe()}): start dockerd ("multiarch doctor --fix"), or point DOCKER_HOST, --docker-host or the builder spec at a running engine`);
    }
  }
}
