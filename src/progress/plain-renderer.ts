import type { ProgressRenderer } from './events.js';

export interface PlainRendererOptions {
  readonly write: (text: string) => void;
  /** Also print every output line (builder logs); otherwise only phase changes. */
  readonly verbose?: boolean;
  readonly now?: () => Date;
}

/** One timestamped line per event, for CI logs and anything that is not a terminal. */
export function createPlainRenderer(options: PlainRendererOptions): ProgressRenderer {
  const now = options.now ?? (() => new Date());
  const started = new Map<string, number>();
  const stamp = (subject: string, text: string): void => options.write(`${now().toISOString()} [${subject}] ${text}\n`);
  return {
    handle(event) {
      switch (event.type) {
        case 'phase': {
          const at = now().getTime();
          if (!started.has(event.subject)) started.set(event.subject, at);
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
    stop() {},
  };
}
