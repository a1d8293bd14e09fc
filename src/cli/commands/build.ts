import type { Command } from 'commander';
import { readSourceMetadata } from '../../builders/source-metadata.js';
import { inspectLocalImage } from '../../docker/image-inspect.js';
import { projectRoot } from '../../project-paths.js';
import { createProgress } from '../../progress/create-progress.js';
import { addImageBuildOptions, resolveImageBuildOptions, runLogDir } from '../build-options.js';
import { formatBytes, formatDuration, formatTable } from '../../format.js';
import { addHostOptions, resolveHostOptions } from '../host-options.js';
import { cliSignal } from '../cancellation.js';
import { bridgeBuildEvents } from '../progress-bridge.js';

export function register(program: Command): void {
  addImageBuildOptions(addHostOptions(program.command('build')), { base: 'auto' })
    .description('build the image for each arch with Docker (native, or QEMU for the other arch), in parallel')
    .option('--progress <mode>', 'auto | tty | plain | none', 'auto')
    .option('--json', 'print the result as JSON')
    .action(async (raw: Record<string, unknown>) => {
      const host = resolveHostOptions(raw);
      const options = resolveImageBuildOptions(raw);
      const logDir = runLogDir(host.stateDir);
      const progress = createProgress({
        mode: (raw['progress'] as 'auto') ?? 'auto',
        subjects: options.arches,
        stream: process.stderr,
        ci: Boolean(process.env['CI']),
      });
      const { buildImages } = await import('../../builders/build-images.js');
      let built;
      try {
        built = await buildImages({
          docker: host.docker,
          ...options,
          metadata: await readSourceMetadata(projectRoot()),
          stateDir: host.stateDir,
          logDir,
          onEvent: bridgeBuildEvents(progress),
          signal: cliSignal(),
        });
      } finally {
        progress.stop();
      }
      const rows = [];
      for (const image of built) {
        const info = await inspectLocalImage(host.docker, image.tag);
        rows.push({ arch: image.arch, tag: image.tag, id: image.imageId ?? '', size: info?.size ?? 0, durationMs: image.durationMs, log: image.logFile });
      }
      if (raw['json']) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        `${formatTable(
          ['arch', 'tag', 'image id', 'size', 'build time'],
          rows.map((r) => [r.arch, r.tag, r.id.slice(0, 19), formatBytes(r.size), formatDuration(r.durationMs)]),
        )}\n`,
      );
    });
}
