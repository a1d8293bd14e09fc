import type { Command } from 'commander';
import { HostSetupError } from '../../errors.js';
import { formatTable } from '../../format.js';
import { addHostOptions, resolveHostOptions } from '../host-options.js';

export function register(program: Command): void {
  addHostOptions(program.command('doctor'))
    .description('check (and with --fix, set up) what local multi-arch builds need: packages, QEMU 10, binfmt, dockerd, registry')
    .option('--fix', 'install and start whatever is missing (idempotent; needs root)')
    .option('--json', 'print the checks as JSON')
    .action(async (raw: Record<string, unknown>) => {
      const host = resolveHostOptions(raw);
      const [{ checkHost }, { setupHost }] = await Promise.all([import('../../host/host-checks.js'), import('../../host/setup-host.js')]);
      if (raw['fix']) {
        await setupHost({ registryPort: host.registryPort, stateDir: host.stateDir, onLine: (line) => process.stderr.write(`${line}\n`) });
      }
      const checks = await checkHost({ docker: host.docker, registryPort: host.registryPort });
      if (raw['json']) {
        process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
      } else {
        const rows = checks.map((c) => [c.ok ? 'ok' : 'MISSING', c.name, c.detail, c.ok ? '' : c.fix]);
        process.stdout.write(`${formatTable(['status', 'check', 'detail', 'fix'], rows)}\n`);
      }
      const failing = checks.filter((c) => !c.ok);
      if (failing.length > 0) {
        throw new HostSetupError(`${failing.length} host check(s) failing (${failing.map((c) => c.name).join('; ')}): run "multiarch doctor --fix" as root`);
      }
    });
}
