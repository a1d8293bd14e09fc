import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-paths.js';
import { timeoutSignal } from '../../src/timeout-signal.js';

/**
 * Runs in a child with --expose-gc: a composite signal whose only timeout source is not
 * referenced elsewhere, garbage collection forced while it is pending.
 */
// (With `AbortSignal.timeout` in place of ours, the same probe prints aborted: false on
// Node 20.20: the source is collected and the composite never fires.)
async function compositeAbortsAfterGc(source: 'builtin' | 'ours'): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'timeout-signal-'));
  try {
    const script = join(dir, 'probe.mts');
    const helper = pathToFileURL(join(projectRoot(), 'src', 'timeout-signal.ts')).href;
    await writeFile(
      script,
      `import { timeoutSignal } from '${helper}';
const make = ${source === 'builtin' ? '(ms: number) => AbortSignal.timeout(ms)' : 'timeoutSignal'};
const composite = AbortSignal.any([make(200), new AbortController().signal]);
const keepAlive = setInterval(() => undefined, 1000);
for (let i = 0; i < 10; i++) { (globalThis as { gc?: () => void }).gc?.(); await new Promise((r) => setTimeout(r, 30)); }
await new Promise((r) => setTimeout(r, 300));
console.log(JSON.stringify({ aborted: composite.aborted, reason: (composite.reason as Error | undefined)?.name }));
clearInterval(keepAlive);
`,
    );
    const result = await execa('node', ['--expose-gc', '--import', 'tsx', script], { cwd: projectRoot() });
    const parsed = JSON.parse(result.stdout) as { aborted: boolean; reason?: string };
    if (parsed.aborted) expect(parsed.reason).toBe('TimeoutError');
    return parsed.aborted;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('timeoutSignal', () => {
  it('aborts with a TimeoutError', async () => {
    const signal = timeoutSignal(20);
    await new Promise((r) => setTimeout(r, 60));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).name).toBe('TimeoutError');
  });

  it('still fires inside AbortSignal.any after garbage collection', async () => {
    expect(await compositeAbortsAfterGc('ours')).toBe(true);
  });
});
