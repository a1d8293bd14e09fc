import type { Command } from 'commander';
import { parseArch } from '../../arch.js';
import { SmokeTestFailedError } from '../../errors.js';
import { formatDuration, formatTable } from '../../format.js';
import { addHostOptions, resolveHostOptions } from '../host-options.js';
import { cliSignal } from '../cancellation.js';

export function register(program: Command): void {
  addHostOptions(program.command('test'))
    .description('smoke-test an image in a container as its non-root user: node, chromium, puppeteer-core screenshot + PDF')
    .argument('<image>', 'local image (tag or ID)')
    .requiredOption('--arch <arch>', 'platform to run it as (amd64 | arm64)')
    .option('--timeout <seconds>', 'give up after this long', '300')
    .option('--json', 'print the report as JSON')
    .action(async (image: string, raw: Record<string, unknown>) => {
      const host = resolveHostOptions(raw);
      const arch = parseArch(String(raw['arch']));
      // loaded on use: the PNG/PDF decoders are not needed by the other verbs
      const { runSmokeTest } = await import('../../smoke/run-smoke-test.js');
      // an engine that is not there is a host problem (exit 7), not a failed smoke test
      await host.docker.assertReachable(cliSignal());
      const result = await runSmokeTest({ docker: host.docker, image, arch, signal: cliSignal(), timeoutMs: Number(raw['timeout'] ?? 300) * 1000 });
      if (raw['json']) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        const rows = result.checks.map((c) => [c.ok ? 'pass' : 'FAIL', c.name, c.detail]);
        process.stdout.write(`${formatTable(['result', 'check', 'detail'], rows)}\n`);
        const timings = Object.entries(result.timings).map(([k, v]) => `${k} ${formatDuration(v)}`).join(', ');
        process.stdout.write(`\n${image} (${arch}): ${result.passed ? 'PASSED' : 'FAILED'} in ${formatDuration(result.durationMs)}${timings ? ` — ${timings}` : ''}\n`);
      }
      if (!result.passed) {
        const failed = result.checks.filter((c) => !c.ok);
        if (!result.ran) throw new SmokeTestFailedError(`smoke test of ${image} for ${arch} could not run: ${failed.map((c) => c.detail).join('; ')}`);
        throw new SmokeTestFailedError(`${image} (${arch}) failed check ${failed.map((c) => `"${c.name}" (${c.detail})`).join('; ')}`);
      }
    });
}
