import { describe, expect, it } from 'vitest';
import { createPlainRenderer } from '../../../src/progress/plain-renderer.js';
import { createTtyRenderer } from '../../../src/progress/tty-renderer.js';

describe('plain renderer (CI)', () => {
  it('prints one timestamped line per phase change; output lines only when verbose', () => {
    const out: string[] = [];
    let t = Date.parse('2026-01-01T00:00:00Z');
    const r = createPlainRenderer({ write: (s) => out.push(s), now: () => new Date(t) });
    r.handle({ type: 'phase', subject: 'arm64', phase: 'build' });
    r.handle({ type: 'line', subject: 'arm64', line: '#5 RUN apt-get' });
    t += 12_300;
    r.handle({ type: 'phase', subject: 'arm64', phase: 'push' });
    expect(out).toEqual(['2026-01-01T00:00:00.000Z [arm64] build (+0.0s)\n', '2026-01-01T00:00:12.300Z [arm64] push (+12.3s)\n']);
    r.stop();
  });

  it('says a long, silent step is still running, and stops saying so once it finished', async () => {
    const out: string[] = [];
    const r = createPlainRenderer({ write: (s) => out.push(s), heartbeatMs: 1_000 });
    r.handle({ type: 'phase', subject: 'arm64', phase: 'build' });
    r.handle({ type: 'phase', subject: 'amd64', phase: 'done' });
    await new Promise((resolve) => setTimeout(resolve, 2_600));
    const beats = out.filter((l) => l.includes('still'));
    expect(beats.length).toBeGreaterThanOrEqual(1);
    expect(beats.every((l) => /\[arm64\] still build \(\d+ s in this step\)/.test(l))).toBe(true);
    r.handle({ type: 'phase', subject: 'arm64', phase: 'done' });
    const before = out.length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(out.length).toBe(before);
    r.stop();
  });
});

describe('TTY renderer', () => {
  it('redraws one row per subject in place with phase and elapsed time', () => {
    let text = '';
    let now = 0;
    const r = createTtyRenderer({ stream: { write: (s: string) => (text += s), columns: 80 }, subjects: ['amd64', 'arm64', 'index'], now: () => now, intervalMs: 60_000 });
    r.handle({ type: 'phase', subject: 'amd64', phase: 'build' });
    now = 65_000;
    r.handle({ type: 'status', subject: 'amd64', detail: 'QUEUED' });
    r.stop();
    const frames = text.split('\x1b[3A');
    const last = frames.at(-1) ?? '';
    expect(last).toContain('amd64  build        1:05  QUEUED');
    expect(last).toContain('arm64  waiting');
    expect(text.endsWith('\x1b[?25h')).toBe(true);
  });
});
