import { describe, expect, it } from 'vitest';
import { baseImageTag } from '../../../src/base/base-image.js';
import { runCli } from '../../support/run-cli.js';

/**
 * A smoke test that could not run (no node in the image, so no report) reads apart from an
 * image that ran the test and failed a check: the first is not a verdict on the image.
 */
describe('smoke test wording', () => {
  it('an image without node: "could not run", exit 4, one line', async () => {
    const { code, stderr } = await runCli(['test', baseImageTag('amd64'), '--arch', 'amd64', '--timeout', '120']);
    expect(code).toBe(4);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^multiarch: error: smoke test of .* for amd64 could not run: /);
    expect(lines[0]).not.toMatch(/failed: failed/);
  });
});
