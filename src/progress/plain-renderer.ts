import { isFinal, type ProgressRenderer, type StepPhase } from './events.js';

export interface PlainRendererOptions {
  readonly write: (text: string) => void;
  /** Also print every output line (builder logs); otherwise only phase changes. */
  readonly verbose?: boolean;
  readonly now?: () => Date;
  /**
   * A subject silent this long in an unfinished phase gets a "still <phase>" line, so a CI
   * log never looks hung during a long build (default 30 s; 0: never).
   */
  readonly heartbeatMs?: number;
}

/** One timestamped line per event, for CI logs and anything that is not a terminal. */
export function createPlainRenderer(options: PlainRendererOptions): ProgressRenderer {
  const now = options.now ?? (() => new Date());
  const started = new Map<string, number>();
  const current = new Map<string, { phase: StepPhase; since: number; lastWrite: number }>();
  const stamp = (subject: string, text: string): void => {
    options.write(`${now().toISOString()} [${subject}] ${text}\n`);
    const entry = current.get(subject);
    if (entry) entry.lastWrite = now().getTime();
  };
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const timer = heartbeatMs > 0
    ? setInterval(() => {
        const at = now().getTime();
        for (const [subject, entry] of current) {
          if (isFinal(entry.phase) || at - entry.lastWrite < heartbeatMs) continue;
          stamp(subject, `still ${entry.phase} (${((at - entry.since) / 1000).toFixed(0)} s in this step)`);
        }
      }, Math.max(1_000, Math.floor(heartbeatMs / 3)))
    : undefined;
  timer?.unref();
  return {
    handle(event) {
      switch (event.type) {
        case 'phase': {
          const at = now().getTime();
          if (!started.has(event.subject)) started.set(event.subject, at);
          current.set(event.subject, { phase: event.phase, since: at, lastWrite: at });
          const elapsed = ((at - (started.get(event.subject) ?? at)) / 1000).toFixed(1);
          stamp(event.subject, `${event.phase}${event.detail ? `: ${event.detail}` : ''} (+${elapsed}s)`);
          break;
        }
        case 'status':
          stamp(event.subject, event.detail);
          break;
        case 'line':
          if (options.verbose) stamp(event.subject, `| ${event.line}`);
          break;
      }
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
