import type { Command } from 'commander';
import { formatPlatform } from '../../oci/platform.js';
import { formatReport } from '../../pipeline/report.js';
import { createProgress, type ProgressMode } from '../../progress/create-progress.js';
import { formatBytes, formatTable } from '../../format.js';
import { addHostOptions, resolveHostOptions } from '../host-options.js';
import { parseArchList } from '../../arch.js';
import { cliSignal } from '../cancellation.js';
import { runContext } from '../run-context.js';

export function register(program: Command): void {
  addHostOptions(program.command('demo'))
    .description('the whole job on this machine: build both arches, smoke-test, push to the local registry, publish + verify the multi-arch tag')
    .option('--arch <list>', 'architectures', 'amd64,arm64')
    .option('--repo <name>', 'repository in the local registry', 'multi-arch-test')
    .option('--tag <tag>', 'multi-arch tag', 'latest')
    .option('--progress <mode>', 'auto | tty | plain | none', 'auto')
    .option('--json', 'print the pipeline report as JSON')
    .action(async (raw: Record<string, unknown>) => {
      const host = resolveHostOptions(raw);
      const arches = parseArchList(String(raw['arch'] ?? 'amd64,arm64'));
      const progress = createProgress({ mode: (raw['progress'] as ProgressMode | undefined) ?? 'auto', subjects: [...arches, 'index'], stream: process.stderr, ci: runContext().ci });
      // loaded on use: the pipeline pulls in the AWS SDK clients
      const { runDemo } = await import('../../demo/run-demo.js');
      let result;
      try {
        result = await runDemo({
          stateDir: host.stateDir,
          registryPort: host.registryPort,
          arches: arches.join(','),
          repository: String(raw['repo']),
          tag: String(raw['tag']),
          signal: cliSignal(),
          emit: (event) => progress.handle(event),
        });
      } finally {
        progress.stop();
      }
      if (raw['json']) {
        process.stdout.write(`${JSON.stringify(result.report, null, 2)}\n`);
        return;
      }
      const { report, published, verified } = result;
      process.stdout.write(`\n${formatReport(report)}\n\n`);
      const rows = report.arches.map((a) => [
        a.arch,
        a.target,
        a.digest ?? '-',
        a.uncompressedBytes === undefined ? '-' : formatBytes(a.uncompressedBytes),
        a.sizeBytes === undefined ? '-' : formatBytes(a.sizeBytes),
        a.smokeTest ?? 'not run',
      ]);
      process.stdout.write(`${formatTable(['arch', 'per-arch tag', 'digest', 'uncompressed', 'compressed', 'smoke test'], rows)}\n\n`);
      process.stdout.write(`${published.reference}  ${published.mediaType}\n  ${published.digest}\n`);
      for (const entry of published.manifests) {
        process.stdout.write(`  ${(entry.platform ? formatPlatform(entry.platform) : 'unknown').padEnd(15)} ${entry.digest}  ${entry.imageSize ? formatBytes(entry.imageSize) : ''}\n`);
      }
      const { signatureLines } = await import('./verify.js');
      process.stdout.write(`\n${signatureLines(verified)}${verified.ok ? 'all checks passed' : 'verification failed'}\n`);
      process.stdout.write(`verify it yourself: multiarch verify ${published.reference} --key ${result.publicKeyPath}   (or: cosign verify --key ${result.publicKeyPath} --insecure-ignore-tlog --allow-http-registry ${published.reference})\n`);
    });
}
