import type { Command } from 'commander';
import { stringify } from 'yaml';
import { redactConfig } from '../../config/redact.js';
import { addPipelineConfigOptions, loadCliConfig } from './pipeline-options.js';

/** `multiarch config`: the effective pipeline config (secrets redacted) and where each value came from. */
export function register(program: Command): void {
  addPipelineConfigOptions(program.command('config'))
    .description('print the effective pipeline configuration (flags > environment > config file > defaults); secrets are never printed')
    .option('--json', 'print JSON instead of YAML')
    .option('--origins', 'also print where each value came from')
    .action(async (raw: Record<string, unknown>) => {
      const { config, origins } = await loadCliConfig(raw);
      const printable = redactConfig(config);
      const out: Record<string, unknown> = raw['origins'] ? { config: printable, origins } : printable;
      process.stdout.write(raw['json'] ? `${JSON.stringify(out, null, 2)}\n` : stringify(out));
    });
}
