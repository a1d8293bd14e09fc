import type { Command } from 'commander';
import { runDemo } from '../../demo/run-demo.js';
import { createProgress } from '../../progress/create-progress.js';
import { addHostOptions, resolveHostOptions } from '../host-options.js';
import { formatBytes, formatDuration, formatTable } from '../format.js';

export function register(program: Command): void {
  addHostOptions(program.command('demo'))
    .description('the whole job on this machine: base images, build both arches, smoke-test, push to the local registry')
    .option('--arch <list>', 'architectures', 'amd64,arm64')
    .option('--repo <name>', 'repository in the local registry', 'multi-arch-test')
    .option('--tag <tag>', 'multi-arch tag', 'latest')
    .option('--progress <mode>', 'auto | tty | plain | none', 'auto')
    .action(async (raw: Record<string, unknown>) => {
      const host = resolveHostOptions(raw);
      const arches = String(raw['arch'] ?? 'amd64,arm64');
      const progress = createProgress({
        mode: (raw['progress'] as 'auto') ?? 'auto',
        subjects: arches.split(',').map((a) => (a.trim() === 'arm64v8' ? 'arm64' : a.trim())) as ('amd64' | 'arm64')[],
        stream: process.stderr,
        ci: Boolean(process.env['CI']),
      });
      let summary;
      try {
        summary = await runDemo({
          host,
          arches,
          repository: String(raw['repo']),
          tag: String(raw['tag']),
          onProgress: (event) => progress.handle(event),
        });
      } finally {
        progress.stop();
      }
      const rows = summary.arches.map((a) => [
        a.arch,
        a.reference,
        a.digest,
        formatBytes(a.uncompressedSize),
        a.compressedSize ? formatBytes(a.compressedSize) : '-',
        formatDuration(a.buildMs),
        `${a.testPassed ? 'passed' : 'FAILED'} (${formatDuration(a.testMs)})`,
        formatDuration(a.pushMs),
      ]);
      process.stdout.write(`\n${formatTable(['arch', 'per-arch tag', 'digest', 'size', 'compressed', 'build', 'smoke test', 'push'], rows)}\n`);
      if (summary.index) {
        process.stdout.write(`\nmulti-arch ${summary.index.reference}\n  index ${summary.index.digest} (${summary.index.mediaType}), verified\n`);
        for (const m of summary.index.manifests) process.stdout.write(`  ${m.platform.padEnd(14)} ${m.digest}\n`);
      }
      process.stdout.write(`\ntotal ${formatDuration(summary.totalMs)}; logs in ${summary.logDir}\n`);
    });
}
