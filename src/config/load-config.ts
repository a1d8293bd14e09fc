import { ARCHES, type Arch } from '../arch.js';
import { ecrRegistryHost } from '../aws/project-names.js';
import { ConfigError } from '../errors.js';
import type { BuilderSpec } from './builder-spec.js';
import { pipelineConfigSchema, type PipelineConfig } from './schema.js';
import { envLayer, fileLayer, type ConfigLayer } from './sources.js';

/** `build`: `multiarch build`, which needs no registry. */
export type ConfigPurpose = 'publish' | 'build';

export interface LoadConfigOptions {
  /** From the command line (highest precedence). */
  readonly flags?: ConfigLayer;
  /** Usually `process.env`; read here and nowhere deeper. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A YAML/JSON file (lowest precedence); `MULTIARCH_CONFIG` names one when this is unset. */
  readonly file?: string;
  readonly purpose?: ConfigPurpose;
}

export interface LoadedConfig {
  readonly config: PipelineConfig;
  /** Dotted field → where its value came from (`default` when no source set it). */
  readonly origins: Readonly<Record<string, string>>;
}

/** Later layers win; a field set higher replaces everything below it at that path. */
export function mergeLayers(layers: readonly ConfigLayer[]): { values: Record<string, unknown>; origins: Record<string, string> } {
  const merged: Record<string, { value: unknown; origin: string }> = {};
  for (const layer of layers) {
    for (const [path, entry] of Object.entries(layer.entries)) {
      for (const existing of Object.keys(merged)) {
        if (existing.startsWith(`${path}.`) || path.startsWith(`${existing}.`)) delete merged[existing];
      }
      merged[path] = entry;
    }
  }
  const values: Record<string, unknown> = {};
  const origins: Record<string, string> = {};
  for (const [path, { value, origin }] of Object.entries(merged)) {
    const keys = path.split('.');
    let node = values;
    for (const key of keys.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys.at(-1) as string] = value;
    origins[path] = origin;
  }
  return { values, origins };
}

function originOf(path: readonly PropertyKey[], origins: Readonly<Record<string, string>>): string | undefined {
  for (let n = path.length; n > 0; n -= 1) {
    const key = path.slice(0, n).map(String).join('.');
    const hit = origins[key] ?? Object.entries(origins).find(([k]) => k.startsWith(`${key}.`))?.[1];
    if (hit) return hit;
  }
  return undefined;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates merged values into the frozen effective config. Throws ConfigError naming the
 * first bad field and where it came from: `config: tag: must be a Docker tag (from IMAGE_TAG)`.
 */
export function resolveConfig(values: Record<string, unknown>, origins: Readonly<Record<string, string>> = {}, purpose: ConfigPurpose = 'publish'): PipelineConfig {
  const result = pipelineConfigSchema.safeParse(values);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path ?? [];
    // an unknown top-level key has an empty path: its own origin names the file it is in
    const keyPath = issue?.code === 'unrecognized_keys' && issue.keys[0] !== undefined ? [...path, issue.keys[0]] : path;
    const field = path.map(String).join('.') || '(root)';
    const origin = originOf(keyPath, origins);
    const message = issue?.code === 'unrecognized_keys' ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` : (issue?.message ?? 'invalid');
    throw new ConfigError(`config: ${field}: ${message}${origin ? ` (from ${origin})` : ''}`, { cause: result.error });
  }
  const parsed = result.data;
  // a build-only run never contacts a registry: its name only prefixes unused references
  const registry = parsed.registry ?? (parsed.accountId ? ecrRegistryHost(parsed.accountId, parsed.region) : undefined) ?? (purpose === 'build' ? 'localhost' : undefined);
  if (!registry) {
    throw new ConfigError('config: registry: required (set --registry, MULTIARCH_REGISTRY, or AWS_ACCOUNT_ID for ECR)');
  }
  const builders = Object.fromEntries(ARCHES.map((arch) => [arch, (parsed.builders[arch] as BuilderSpec | undefined) ?? { type: 'local' }])) as Record<Arch, BuilderSpec>;
  const needsAws = parsed.arches.some((arch) => builders[arch].type === 'codebuild');
  if (needsAws && !parsed.accountId && !parsed.codebuild.endpoint) {
    throw new ConfigError('config: accountId: required for the codebuild builder (set --account-id or AWS_ACCOUNT_ID)');
  }
  return deepFreeze({ ...parsed, registry, builders });
}

/** Loads flags → environment → config file → defaults into one validated, frozen config. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? {};
  const file = options.file ?? env['MULTIARCH_CONFIG'];
  const layers: ConfigLayer[] = [];
  if (file) layers.push(await fileLayer(file));
  layers.push(envLayer(env));
  if (options.flags) layers.push(options.flags);
  const { values, origins } = mergeLayers(layers);
  return { config: resolveConfig(values, origins, options.purpose), origins };
}
