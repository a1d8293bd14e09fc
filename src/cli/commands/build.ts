import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../config/load-config.js';
import { layerFrom } from '../../config/sources.js';
import { MultiarchError } from '../../errors.js';
import { formatBytes, formatDuration, formatTable } from '../../format.js';
import { imageDir, projectRoot } from '../../project-paths.js';
import { createProgress, type ProgressMode } from '../../progress/create-progress.js';
import { cliSignal } from '../cancellation.js';
import { addHostOptions, resolveHostOptions } from '../host-options.js';
import { runContext } from '../run-context.js';
import { addBuildInputOptions, buildInputEntries } from './pipeline-options.js';

/** `multiarch build`: the pipeline's own run, stopped after each arch's build. */
export function register(program: Command): void {
  addBuildInputOptions(addHostOptions(program.command('build')))
    .description('build the image for each arch with Docker (native, or QEMU for the other arch), in parallel')
    .option('--arch <list>', 'architectures to build (env IMAGE_ARCH)')
    .option('--repo <name>', 'local repository name for the per-arch tags (env IMAGE_REPO_NAME)')
    .option('--tag <tag>', 'multi-arch tag the per-arch tags derive from (env IMAGE_TAG)')
    .option('--arch-tag <template>', 'per-arch tag template: {tag}, {arch}, {suffix} (amd64 | arm64v8)')
    .option('--base <base>', 'Debian base: auto | public (debian:trixie-slim) | local (mmdebstrap) | IMAGE')
    .option('--context <dir>', 'image build context (default: the product image)')
    .option('--ca-bundle <file>', 'extra CA bundle for npm inside the build (default: the system bundle when present)')
    .option('--no-ca-bundle', 'pass no CA bundle to the build')
    .option('--sequential', 'build one arch after the other instead of in parallel')
    .option('--progress <mode>', 'auto | tty | plain | none', 'auto')
    .option('--json', 'print the result as JSON')
    .action(async (raw: Record<string, unknown>) => {
      const context = runContext();
      const host = resolveHostOptions(raw);
      const str = (key: string): string | undefined => (typeof raw[key] === 'string' ? (raw[key] as string) : undefined);
      const caFlag = raw['caBundle'];
      const { config } = await loadConfig({
        purpose: 'build',
        env: context.env,
        flags: layerFrom({
          arches: [str('arch'), '--arch'],
          repository: [str('repo'), '--repo'],
          tag: [str('tag'), '--tag'],
          'build.localTagTemplate': [str('archTag'), '--arch-tag'],
          'build.base': [str('base'), '--base'],
          'build.context': [str('context') ? resolve(str('context') as string) : undefined, '--context'],
          ...buildInputEntries(raw),
          'build.caBundle': [caFlag === false ? false : typeof caFlag === 'string' ? resolve(caFlag) : undefined, caFlag === false ? '--no-ca-bundle' : '--ca-bundle'],
          logDir: [join(host.stateDir, 'logs'), '--state-dir'],
        }),
      });
      const progress = createProgress({ mode: (raw['progress'] as ProgressMode | undefined) ?? 'auto', subjects: [...config.arches], stream: process.stderr, ci: context.ci });
      // loaded on use: the pipeline pulls in the AWS SDK clients and image decoders
      const { executePipeline } = await import('../../pipeline/execute-pipeline.js');
      let report;
      try {
        report = await executePipeline(config, {
          projectDir: projectRoot(),
          productContextDir: imageDir(),
          stateDir: host.stateDir,
          localDocker: host.docker,
          stopAfter: 'build',
          sequential: raw['sequential'] === true,
          signal: cliSignal(),
          emit: (e) => progress.handle(e),
        });
      } finally {
        progress.stop();
      }
      if (report.error) throw new MultiarchError(report.error.code, report.error.message);
      const rows = report.arches.map((a) => ({ arch: a.arch, tag: a.localTag ?? '', id: a.imageId ?? '', size: a.uncompressedBytes ?? 0, durationMs: a.steps.build ?? a.durationMs }));
      if (raw['json']) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${formatTable(['arch', 'tag', 'image id', 'size', 'build time'], rows.map((r) => [r.arch, r.tag, r.id.slice(0, 19), formatBytes(r.size), formatDuration(r.durationMs)]))}\n`);
    });
}
