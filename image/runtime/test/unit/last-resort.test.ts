import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const MODULE = fileURLToPath(new URL('../../src/server/last-resort.ts', import.meta.url));
const LOG = fileURLToPath(new URL('../../src/log.ts', import.meta.url));

describe('installLastResortHandlers', () => {
  it('keeps the process running past an uncaught exception and an unhandled rejection, logging both', async () => {
    // A separate process: the point is what Node does with errors nothing catches.
    const script = `
      import { installLastResortHandlers } from ${JSON.stringify(MODULE)};
      import { createJsonLogger } from ${JSON.stringify(LOG)};
      installLastResortHandlers(createJsonLogger());
      setTimeout(() => { throw new Error('thrown in a callback'); }, 10);
      setTimeout(() => void Promise.reject(new Error('rejected, never handled')), 20);
      setTimeout(() => console.log(JSON.stringify({ msg: 'still running' })), 200);`;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { msg: string; error?: string });
    expect(lines.map((line) => [line.msg, line.error])).toEqual([
      ['uncaught exception; service kept running', 'thrown in a callback'],
      ['unhandled rejection; service kept running', 'rejected, never handled'],
      ['still running', undefined],
    ]);
  });
});
