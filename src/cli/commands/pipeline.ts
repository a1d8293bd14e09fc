import { Option, type Command } from 'commander';
import { BadInputError, MultiarchError } from '../../errors.js';
import { checkPlanInputs } from '../../pipeline/check-inputs.js';
import { signingSettings } from '../signing-settings.js';
import { formatPlan } from '../../pipeline/plan.js';
import { formatReport } from '../../pipeline/report.js';
import { imageDir, projectRoot } from '../../project-paths.js';
import { createProgress, type ProgressMode } from '../../progress/create-progress.js';
import { addPipelineConfigOptions, loadCliConfig } from './pipeline-options.js';
import { cliSignal } from '../cancellation.js';
import { runContext } from '../run-context.js';

/** `multiarch pipeline`: every arch in parallel (build → smoke test → push), then the verified multi-arch index. */
export function register(program: Command): void {
  addPipelineConfigOptions(program.command('pipeline'))
    .description('build, smoke-test and push every arch in parallel, then publish and verify the multi-arch tag (moved only if all passed)')
    .option('--json', 'print the final report as JSON on stdout')
    .option('--progress <mode>', 'auto | tty | plain | none', 'auto')
    .option('--verbose', 'with plain progress, also print every build output line')
    .option('--dry-run', 'print the plan and exit')
    .addOption(new Option('--docker-host <host>').hideHelp())
    .action(async (raw: Record<string, unknown>) => {
      // loaded on use: the pipeline pulls in the AWS SDK clients and image decoders
      const { executePipeline, planFor } = await import('../../pipeline/execute-pipeline.js');
      if (raw['dockerHost'] !== undefined) {
        throw new BadInputError('pipeline takes no --docker-host: set DOCKER_HOST for the local engine, or --builder [ARCH=]remote:<host> to build an arch on another engine');
      }
      const { config } = await loadCliConfig(raw);
      const plan = planFor(config, { productContextDir: imageDir() });
      // missing files are bad input, reported before anything runs (and by --dry-run too)
      checkPlanInputs(plan);
      const signing = signingSettings(config, runContext().env);
      if (raw['dryRun']) {
        process.stdout.write(`${formatPlan(plan)}\n`);
        return;
      }
      const progress = createProgress({
        mode: (raw['progress'] as ProgressMode | undefined) ?? 'auto',
        subjects: [...config.arches, 'index'],
        stream: process.stderr,
        ci: runContext().ci,
        verbose: raw['verbose'] === true,
      });
      let report;
      try {
        report = await executePipeline(config, {
          projectDir: projectRoot(),
          productContextDir: imageDir(),
          stateDir: runContext().stateDir,
          // the directory the docker CLI children read too, so pushes and index use one identity
          dockerConfigDir: runContext().dockerConfigDir,
          signal: cliSignal(),
          ...(signing ? { signing } : {}),
          emit: (e) => progress.handle(e),
        }, plan);
      } finally {
        progress.stop();
      }
      process.stdout.write(raw['json'] ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
      if (report.error) throw new MultiarchError(report.error.code, report.error.message);
    });
}
