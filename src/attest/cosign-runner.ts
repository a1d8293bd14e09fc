import { execa } from 'execa';
import { CancelledError, HostSetupError, SigningError } from '../errors.js';

/** How to run cosign; resolved by the caller (CLI, pipeline) and passed in. */
export interface CosignSettings {
  /** Path to the cosign binary (default `cosign` on PATH; setup-host installs 2.5 from trixie). */
  readonly bin?: string;
  /**
   * Extra environment for cosign only, e.g. `DOCKER_CONFIG` (registry credentials) or AWS
   * settings for an `awskms://` key (`AWS_REGION`, credentials). Merged over the inherited
   * environment; library code never reads `process.env` itself.
   */
  readonly env?: Readonly<Record<string, string>>;
}

export interface CosignCall extends CosignSettings {
  readonly signal?: AbortSignal;
  /** Password of an encrypted private key; cosign reads it from COSIGN_PASSWORD (empty by default). */
  readonly password?: string;
}

export interface CosignResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The line that says why cosign failed. cosign prints `Error: …` and then a `main.go:NN:
 * error during command execution: …` repeat; the first is the cleaner of the two.
 */
export function cosignFailureReason(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const error = lines.find((l) => l.startsWith('Error: '));
  if (error) return error.slice('Error: '.length);
  const execution = lines.find((l) => l.includes('error during command execution: '));
  if (execution) return execution.slice(execution.indexOf('error during command execution: ') + 'error during command execution: '.length);
  return lines.filter((l) => !l.startsWith('WARNING')).at(-1) ?? 'no output';
}

/**
 * Runs cosign once and returns its output whatever the exit status; the caller decides what
 * a non-zero exit means (a failed verification is a finding, a failed signature an error).
 * Throws only when cosign cannot run at all (missing binary) or the call was aborted.
 */
export async function runCosign(args: readonly string[], call: CosignCall = {}): Promise<CosignResult> {
  const bin = call.bin ?? 'cosign';
  const result = await execa(bin, args, {
    env: { ...call.env, COSIGN_PASSWORD: call.password ?? '' },
    reject: false,
    cancelSignal: call.signal,
    forceKillAfterDelay: 2_000,
    stdin: 'ignore',
    stripFinalNewline: true,
  });
  if (call.signal?.aborted) throw new CancelledError(`cosign ${args[0] ?? ''} cancelled`, { cause: call.signal.reason });
  if (result.failed && result.exitCode === undefined) {
    const code = (result.cause as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT') throw new HostSetupError(`cosign not found (${bin}): run scripts/setup-host.sh, which installs cosign 2.5 from Debian trixie`, { cause: result.cause });
    throw new HostSetupError(`cannot run cosign (${bin}): ${result.shortMessage}`, { cause: result.cause });
  }
  return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
}

/** Runs cosign for a step that must succeed (key generation, signing, attesting). */
export async function runCosignOrThrow(what: string, args: readonly string[], call: CosignCall = {}): Promise<CosignResult> {
  const result = await runCosign(args, call);
  if (result.exitCode !== 0) throw new SigningError(`${what}: cosign exited ${result.exitCode}: ${cosignFailureReason(result.stderr)}`);
  return result;
}
