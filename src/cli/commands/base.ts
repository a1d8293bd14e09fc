import type { Command } from 'commander';
import { parseArchList } from '../../arch.js';
import { formatDuration, formatTable, timestamped } from '../../format.js';
import { addHostOptions, resolveHostOptions } from '../host-options.js';
import { cliSignal } from '../cancellation.js';

export function register(program: Command): void {
  addHostOptions(program.command('base'))
    .description('bootstrap per-platform Debian base images with mmdebstrap (for hosts without Docker Hub); cached')
    .option('--arch <list>', 'architectures', 'amd64,arm64')
    .option('--suite <suite>', 'Debian suite', 'trixie')
    .option('--mirror <url>', 'Debian mirror', 'http://deb.debian.org/debian')
    .action(async (raw: Record<string, string>) => {
      const host = resolveHostOptions(raw);
      const { ensureBaseImages } = await import('../../base/base-image.js');
      const bases = await ensureBaseImages({
        docker: host.docker,
        arches: parseArchList(raw['arch'] ?? 'amd64,arm64'),
        suite: raw['suite'] ?? 'trixie',
        mirror: raw['mirror'] ?? 'http://deb.debian.org/debian',
        stateDir: host.stateDir,
        signal: cliSignal(),
        onStatus: (arch, message) => process.stderr.write(`${timestamped(arch, message)}\n`),
      });
      const rows = bases.map((b) => [b.arch, b.tag, b.cached ? 'cached' : 'built', formatDuration(b.durationMs)]);
      process.stdout.write(`${formatTable(['arch', 'image', 'state', 'time'], rows)}\n`);
    });
}
