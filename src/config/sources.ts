import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ARCHES } from '../arch.js';
import { ConfigError } from '../errors.js';

/** A partial config from one source: dotted field path → value and where it came from. */
export interface ConfigLayer {
  readonly entries: Readonly<Record<string, { readonly value: unknown; readonly origin: string }>>;
}

// Maps whose keys are data, not fields: reported and overridden as one field.
const LEAF_MAPS = new Set(['build.args']);

function flatten(value: unknown, prefix: string, origin: (path: string) => string, out: Record<string, { value: unknown; origin: string }>): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !LEAF_MAPS.has(prefix)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, origin, out);
  } else if (value !== undefined) {
    out[prefix] = { value, origin: origin(prefix) };
  }
}

/** Builds a layer from `{ 'dotted.path': [value, originLabel] }`, skipping undefined values. */
export function layerFrom(entries: Record<string, readonly [unknown, string]>): ConfigLayer {
  const out: Record<string, { value: unknown; origin: string }> = {};
  for (const [path, [value, origin]] of Object.entries(entries)) flatten(value, path, () => origin, out);
  return { entries: out };
}

/** `amd64=local,arm64=codebuild` → `{ amd64: 'local', arm64: 'codebuild' }`. */
export function parseAssignments(items: readonly string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const at = item.indexOf('=');
    if (at <= 0) throw new ConfigError(`${what}: "${item}" must look like KEY=VALUE`);
    out[item.slice(0, at).trim()] = item.slice(at + 1).trim();
  }
  return out;
}

/**
 * Builder choices: `arm64=codebuild` for one arch, or a bare spec (`codebuild`,
 * `ssh://me@box`) for every arch; later items win, so `codebuild,amd64=local` works.
 */
export function parseBuilderAssignments(items: readonly string[], what: string): Record<string, string> {
  return parseAssignments(items.flatMap((item) => (/^[a-z0-9]+=/i.test(item) ? [item] : ARCHES.map((arch) => `${arch}=${item}`))), what);
}

/**
 * The environment variables the original buildspec used keep their meaning (IMAGE_TAG is
 * the tag published; IMAGE_ARCH the arch or comma list built); MULTIARCH_* cover the rest.
 */
export function envLayer(env: Readonly<Record<string, string | undefined>>): ConfigLayer {
  const e = (name: string): readonly [string | undefined, string] => [env[name] || undefined, name];
  const builders = env['MULTIARCH_BUILDERS'] ? parseBuilderAssignments(env['MULTIARCH_BUILDERS'].split(','), 'MULTIARCH_BUILDERS') : undefined;
  const region = env['AWS_DEFAULT_REGION'] ? e('AWS_DEFAULT_REGION') : e('AWS_REGION');
  const hasKeys = Boolean(env['AWS_ACCESS_KEY_ID'] && env['AWS_SECRET_ACCESS_KEY']);
  return layerFrom({
    region,
    accountId: e('AWS_ACCOUNT_ID'),
    repository: e('IMAGE_REPO_NAME'),
    tag: e('IMAGE_TAG'),
    arches: e('IMAGE_ARCH'),
    registry: e('MULTIARCH_REGISTRY'),
    builders: [builders, 'MULTIARCH_BUILDERS'],
    'codebuild.endpoint': e('MULTIARCH_CODEBUILD_ENDPOINT'),
    'codebuild.logsEndpoint': e('MULTIARCH_LOGS_ENDPOINT'),
    'codebuild.sourceVersion': e('MULTIARCH_SOURCE_VERSION'),
    // the AWS SDK's own names for an endpoint override, as `multiarch index` reads them
    ecrEndpoint: env['AWS_ENDPOINT_URL_ECR'] ? e('AWS_ENDPOINT_URL_ECR') : e('AWS_ENDPOINT_URL'),
    'credentials.accessKeyId': hasKeys ? e('AWS_ACCESS_KEY_ID') : [undefined, ''],
    'credentials.secretAccessKey': hasKeys ? e('AWS_SECRET_ACCESS_KEY') : [undefined, ''],
    'credentials.sessionToken': hasKeys ? e('AWS_SESSION_TOKEN') : [undefined, ''],
    insecureRegistry: [env['MULTIARCH_INSECURE_REGISTRY'] ? env['MULTIARCH_INSECURE_REGISTRY'] === '1' || env['MULTIARCH_INSECURE_REGISTRY'] === 'true' : undefined, 'MULTIARCH_INSECURE_REGISTRY'],
    logDir: e('MULTIARCH_LOG_DIR'),
  });
}

/** Reads a YAML or JSON config file (same field names as `multiarch config --json`). */
export async function fileLayer(path: string): Promise<ConfigLayer> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`config file ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(`config file ${path}: not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  if (parsed === null || parsed === undefined) return { entries: {} };
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`config file ${path}: must be a mapping of field: value`);
  const out: Record<string, { value: unknown; origin: string }> = {};
  flatten(parsed, '', (field) => `${path}: ${field}`, out);
  return { entries: out };
}
