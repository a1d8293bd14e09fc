import type { ProgressRenderer, ProgressSubject } from './events.js';
import { createPlainRenderer } from './plain-renderer.js';
import { createTtyRenderer } from './tty-renderer.js';

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'none';

export interface CreateProgressOptions {
  readonly mode: ProgressMode;
  readonly subjects: readonly ProgressSubject[];
  readonly stream: NodeJS.WriteStream | { write(text: string): unknown; isTTY?: boolean; columns?: number };
  /** True when running under CI (the CLI reads `CI`); forces plain lines in `auto`. */
  readonly ci?: boolean;
  readonly verbose?: boolean;
}

/** Picks the live display on an interactive terminal, timestamped lines otherwise. */
export function createProgress(options: CreateProgressOptions): ProgressRenderer {
  const mode = options.mode === 'auto' ? (options.stream.isTTY && !options.ci ? 'tty' : 'plain') : options.mode;
  if (mode === 'none') return { handle() {}, stop() {} };
  if (mode === 'tty') return createTtyRenderer({ stream: options.stream, subjects: options.subjects });
  return createPlainRenderer({ write: (text) => void options.stream.write(text), ...(options.verbose ? { verbose: true } : {}) });
}
