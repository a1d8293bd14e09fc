import type { Arch } from '../arch.js';

/** What a row of the display is about: one arch, or the final multi-arch index. */
export type ProgressSubject = Arch | 'index';

export type StepPhase =
  | 'waiting'
  | 'base'
  | 'build'
  | 'smoke-test'
  | 'push'
  | 'verify'
  | 'attest'
  | 'index'
  | 'sign'
  | 'publish'
  | 'done'
  | 'failed'
  | 'cancelled'
  | 'skipped';

/** Events the pipeline emits; renderers turn them into a TTY display or plain lines. */
export type ProgressEvent =
  | { readonly type: 'phase'; readonly subject: ProgressSubject; readonly phase: StepPhase; readonly detail?: string }
  /** A finer-grained status inside a phase (e.g. CodeBuild's PROVISIONING, QUEUED). */
  | { readonly type: 'status'; readonly subject: ProgressSubject; readonly detail: string }
  | { readonly type: 'line'; readonly subject: ProgressSubject; readonly line: string };

export interface ProgressRenderer {
  handle(event: ProgressEvent): void;
  /** Final redraw; restores the terminal. */
  stop(): void;
}

/** Terminal phases: the row's clock stops. */
export function isFinal(phase: StepPhase): boolean {
  return phase === 'done' || phase === 'failed' || phase === 'cancelled' || phase === 'skipped';
}
