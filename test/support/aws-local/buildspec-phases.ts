import type { BuildShell } from './buildspec-shell.js';
import type { Buildspec, BuildspecPhase, PhaseName } from './buildspec-schema.js';

/** CodeBuild's names for the buildspec phases, in the order they run. */
export const BUILDSPEC_PHASES: readonly { readonly name: PhaseName; readonly type: BuildspecPhaseType }[] = [
  { name: 'install', type: 'INSTALL' },
  { name: 'pre_build', type: 'PRE_BUILD' },
  { name: 'build', type: 'BUILD' },
  { name: 'post_build', type: 'POST_BUILD' },
];
export type BuildspecPhaseType = 'INSTALL' | 'PRE_BUILD' | 'BUILD' | 'POST_BUILD';
export type PhaseOutcome = 'SUCCEEDED' | 'FAILED' | 'STOPPED' | 'TIMED_OUT';
export interface PhaseContext {
  readonly statusCode: string;
  readonly message: string;
}

/** Why a build's signal was aborted: StopBuild, or the build timeout. */
export type AbortReason = 'STOPPED' | 'TIMED_OUT';

export interface ExecuteBuildspecOptions {
  readonly buildspec: Buildspec;
  readonly shell: BuildShell;
  /** Aborted with an {@link AbortReason} as `signal.reason`. */
  readonly signal: AbortSignal;
  /** Fault injection: this phase fails without running its commands. */
  readonly forceFailure?: BuildspecPhaseType;
  readonly onPhaseStart: (type: BuildspecPhaseType) => void;
  readonly onPhaseEnd: (type: BuildspecPhaseType, outcome: PhaseOutcome, context: PhaseContext) => void;
  readonly log: (line: string) => void;
}

export interface ExecuteBuildspecResult {
  readonly outcome: PhaseOutcome;
  readonly exported: Readonly<Record<string, string>>;
}

/** `[Container] 2024/05/01 12:00:00.123 ` — the prefix CodeBuild puts on its own log lines. */
export function containerPrefix(date = new Date()): string {
  const iso = date.toISOString();
  return `[Container] ${iso.slice(0, 10).replaceAll('-', '/')} ${iso.slice(11, 23)} `;
}

/**
 * Runs the buildspec's phases with CodeBuild's transition rules: a failed INSTALL or
 * PRE_BUILD ends the build; a failed BUILD with no `on-failure` still runs POST_BUILD (with
 * CODEBUILD_BUILD_SUCCEEDING=0), but an explicit `on-failure: ABORT` on BUILD ends the build
 * there, POST_BUILD not run; `on-failure: CONTINUE` goes on to the next phase (the build
 * still fails); `finally` runs after a phase's commands whether they failed or not; a stop
 * or timeout kills the running command and runs nothing more.
 */
export async function executeBuildspec(options: ExecuteBuildspecOptions): Promise<ExecuteBuildspecResult> {
  const { buildspec, shell, signal, log } = options;
  let buildOutcome: PhaseOutcome = 'SUCCEEDED';
  let skipRest = false;
  for (const { name, type } of BUILDSPEC_PHASES) {
    if (skipRest) break;
    const phase = buildspec.phases[name];
    // Real CodeBuild skips absent phases after INSTALL's provisioning work; recording them
    // as instant successes keeps the phase list stable for pollers.
    options.onPhaseStart(type);
    log(`${containerPrefix()}Entering phase ${type}`);
    let result: { outcome: PhaseOutcome; context: PhaseContext };
    if (options.forceFailure === type) {
      result = { outcome: 'FAILED', context: { statusCode: 'COMMAND_EXECUTION_ERROR', message: 'Error while executing command: (fault injection). Reason: forced failure' } };
    } else {
      result = await runPhase(phase, shell, signal, log);
    }
    log(`${containerPrefix()}Phase complete: ${type} State: ${result.outcome}`);
    log(`${containerPrefix()}Phase context status code: ${result.context.statusCode} Message: ${result.context.message}`);
    options.onPhaseEnd(type, result.outcome, result.context);
    if (result.outcome === 'SUCCEEDED') continue;
    if (result.outcome === 'STOPPED' || result.outcome === 'TIMED_OUT') {
      buildOutcome = result.outcome;
      break;
    }
    buildOutcome = 'FAILED';
    await shell.setVariable('CODEBUILD_BUILD_SUCCEEDING', '0');
    if (phase?.['on-failure'] === 'CONTINUE') continue;
    // Unset on-failure: only a failed BUILD lets POST_BUILD run. An explicit ABORT stops there.
    if (type !== 'BUILD' || phase?.['on-failure'] === 'ABORT') skipRest = true;
  }
  const exported = await shell.values(buildspec.env?.['exported-variables'] ?? []);
  return { outcome: buildOutcome, exported };
}

async function runPhase(
  phase: BuildspecPhase | undefined,
  shell: BuildShell,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<{ outcome: PhaseOutcome; context: PhaseContext }> {
  const ok = { outcome: 'SUCCEEDED' as const, context: { statusCode: '', message: '' } };
  if (!phase) return ok;
  if (phase['runtime-versions']) log(`${containerPrefix()}runtime-versions ${JSON.stringify(phase['runtime-versions'])}: not emulated, the host's runtimes are used`);
  let failure: { outcome: PhaseOutcome; context: PhaseContext } | undefined;
  for (const command of phase.commands ?? []) {
    failure = await runCommand(command, shell, signal, log);
    if (failure) break;
  }
  if (!signal.aborted) {
    for (const command of phase.finally ?? []) {
      const finallyFailure = await runCommand(command, shell, signal, log);
      if (finallyFailure) {
        failure ??= finallyFailure;
        break;
      }
    }
  }
  return failure ?? ok;
}

async function runCommand(
  command: string,
  shell: BuildShell,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<{ outcome: PhaseOutcome; context: PhaseContext } | undefined> {
  if (signal.aborted) return aborted(signal);
  log(`${containerPrefix()}Running command ${command}`);
  const status = await shell.run(command, log, signal);
  if (signal.aborted) return aborted(signal);
  if (status === 0) return undefined;
  const reason = typeof status === 'number' ? `exit status ${status}` : `killed by ${status}`;
  const message = `Error while executing command: ${command}. Reason: ${reason}`;
  log(`${containerPrefix()}Command did not exit successfully ${command} ${reason}`);
  return { outcome: 'FAILED', context: { statusCode: 'COMMAND_EXECUTION_ERROR', message } };
}

function aborted(signal: AbortSignal): { outcome: PhaseOutcome; context: PhaseContext } {
  const reason: AbortReason = signal.reason === 'TIMED_OUT' ? 'TIMED_OUT' : 'STOPPED';
  const message = reason === 'TIMED_OUT' ? 'Build has timed out. ' : 'Build was stopped by the user';
  return { outcome: reason, context: { statusCode: reason === 'TIMED_OUT' ? 'BUILD_TIMED_OUT' : 'BUILD_STOPPED', message } };
}
