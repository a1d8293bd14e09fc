import { appendFile } from 'node:fs/promises';
import { dockerPlatform } from '../arch.js';
import { runSmokeTest } from '../smoke/run-smoke-test.js';
import type { SmokeTester } from './services.js';

/**
 * A smoke test that runs `command` in the image (no network) and passes on exit 0: for
 * images other than the product, and for fast pipeline tests.
 */
export function commandSmokeTester(command: readonly string[]): SmokeTester {
  return async ({ docker, image, arch, signal, logFile }) => {
    const result = await docker.run(['run', '--rm', '--platform', dockerPlatform(arch), '--network', 'none', image, ...command], { signal, logFile, reject: false });
    const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').at(-1) ?? '';
    return { passed: result.exitCode === 0, summary: result.exitCode === 0 ? `"${command.join(' ')}" passed` : `failed: "${command.join(' ')}" exited ${result.exitCode}: ${output.slice(0, 200)}` };
  };
}

/** The product smoke test (Chromium renders, fonts, PNG/PDF checks). */
export const productSmokeTester: SmokeTester = async ({ docker, image, arch, signal, logFile, timeoutMs }) => {
  const result = await runSmokeTest({ docker, image, arch, signal, logFile, timeoutMs });
  const failed = result.checks.filter((c) => !c.ok);
  await appendFile(logFile, `smoke test: ${JSON.stringify(result.checks)}\n`).catch(() => undefined);
  return {
    passed: result.passed,
    summary: result.passed
      ? `${result.checks.length} checks passed`
      : result.ran
        ? `failed check ${failed.map((c) => `"${c.name}" (${c.detail})`).join('; ').slice(0, 300)}`
        : `smoke test could not run: ${failed.map((c) => c.detail).join('; ').slice(0, 300)}`,
  };
};
