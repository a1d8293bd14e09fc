import { isFinal, type ProgressRenderer, type ProgressSubject, type StepPhase } from './events.js';

export interface TtyRendererOptions {
  readonly stream: { write(text: string): unknown; columns?: number };
  readonly subjects: readonly ProgressSubject[];
  readonly now?: () => number;
  /** Redraw period for the elapsed clocks. */
  readonly intervalMs?: number;
}

interface Row {
  phase: StepPhase;
  detail: string;
  lastLine: string;
  started?: number;
  ended?: number;
}

const ICON: Record<StepPhase, string> = {
  waiting: '·', base: '▶', build: '▶', 'smoke-test': '▶', push: '▶', verify: '▶', attest: '▶', index: '▶', sign: '▶', publish: '▶',
  done: '✔', failed: '✖', cancelled: '■', skipped: '-',
};

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * A live block of rows, one per arch plus the index, redrawn in place: phase, elapsed
 * time and the latest status or output line. Uses only cursor-up and erase-line, which
 * every terminal emulator understands.
 */
export function createTtyRenderer(options: TtyRendererOptions): ProgressRenderer {
  const now = options.now ?? Date.now;
  const rows = new Map<ProgressSubject, Row>(options.subjects.map((s) => [s, { phase: 'waiting', detail: '', lastLine: '' }]));
  let drawn = 0;
  const render = (): void => {
    const width = Math.max(40, (options.stream.columns ?? 100) - 1);
    const lines = [...rows].map(([subject, row]) => {
      const elapsed = row.started === undefined ? '' : clock((row.ended ?? now()) - row.started);
      const tail = row.detail || row.lastLine;
      const text = `${ICON[row.phase]} ${subject.padEnd(6)} ${row.phase.padEnd(10)} ${elapsed.padStart(6)}  ${tail}`;
      return text.length > width ? `${text.slice(0, width - 1)}…` : text;
    });
    let out = drawn > 0 ? `\x1b[${drawn}A` : '\x1b[?25l';
    for (const line of lines) out += `\r\x1b[2K${line}\n`;
    drawn = lines.length;
    options.stream.write(out);
  };
  const timer = setInterval(render, options.intervalMs ?? 500);
  timer.unref();
  render();
  return {
    handle(event) {
      const row = rows.get(event.subject);
      if (!row) return;
      if (event.type === 'phase') {
        row.phase = event.phase;
        row.detail = event.detail ?? '';
        row.started ??= now();
        if (isFinal(event.phase)) row.ended = now();
        render();
      } else if (event.type === 'status') {
        row.detail = event.detail;
        render();
      } else {
        row.lastLine = event.line.replace(/\s+/g, ' ').trim();
        row.detail = '';
      }
    },
    stop() {
      clearInterval(timer);
      render();
      options.stream.write('\x1b[?25h');
    },
  };
}
