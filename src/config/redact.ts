import { formatBuilderSpec } from './builder-spec.js';
import { formatDuration } from './duration.js';
import { SECRET_FIELDS, type PipelineConfig } from './schema.js';

const REDACTED = '********';

function redactInto(value: unknown, path: string): unknown {
  if (SECRET_FIELDS.includes(path)) return value === undefined ? undefined : REDACTED;
  if (Array.isArray(value)) return value.map((v, i) => redactInto(v, `${path}.${i}`));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactInto(v, path ? `${path}.${k}` : k)]));
  }
  return value;
}

/**
 * The effective config as plain data safe to print: secrets replaced, durations and
 * builder specs in the same string forms the flags and files accept (so output can be
 * pasted back as a config file).
 */
export function redactConfig(config: PipelineConfig): Record<string, unknown> {
  const printable = redactInto(config, '') as Record<string, unknown>;
  printable['builders'] = Object.fromEntries(Object.entries(config.builders).map(([arch, spec]) => [arch, formatBuilderSpec(spec)]));
  printable['timeouts'] = Object.fromEntries(Object.entries(config.timeouts).map(([k, v]) => [k, formatDuration(v)]));
  printable['codebuild'] = {
    ...(printable['codebuild'] as object),
    pollInterval: formatDuration(config.codebuild.pollInterval),
    maxPollInterval: formatDuration(config.codebuild.maxPollInterval),
    queueTimeout: formatDuration(config.codebuild.queueTimeout),
  };
  return printable;
}
