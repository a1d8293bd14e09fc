import type { Command } from 'commander';
import { parseArchList, perArchTag } from '../../arch.js';
import { BadInputError, ConfigError } from '../../errors.js';
import { createIndex, type CreateIndexResult } from '../../registry-verbs/create-index.js';
import { parseAnnotations } from '../../oci/build-index.js';
import { formatPlatform } from '../../oci/platform.js';
import { formatTable } from '../../format.js';
import { formatReference, parseReference, parseRegistryHost, parseTag } from '../../oci/reference.js';
import { addRegistryFlags, indexCommand, registryAccessFromFlags, type RegistryFlags } from './registry-flags.js';

interface CreateFlags extends RegistryFlags {
  readonly fromEnv?: boolean;
  readonly repo?: string;
  readonly registry?: string;
  readonly tag: string;
  readonly arch: string;
  readonly format: string;
  readonly annotation: string[];
  readonly includeAttestations?: boolean;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

/** Target and sources from arguments, `--repo/--tag/--arch`, or the original env variables. */
export function planSources(args: readonly string[], flags: CreateFlags, env: NodeJS.ProcessEnv): { target: string; sources: string[] } {
  const [explicitTarget, ...explicitSources] = args;
  let target: string;
  if (flags.fromEnv || flags.repo) {
    if (explicitTarget) throw new BadInputError('give either TARGET SOURCE... or --repo/--from-env, not both');
    const repo = flags.repo ?? env['IMAGE_REPO_NAME'];
    if (!repo) throw new ConfigError('IMAGE_REPO_NAME is not set (needed by --from-env)');
    const tag = parseTag(flags.repo ? flags.tag : env['IMAGE_TAG'] || flags.tag);
    let registry = flags.registry !== undefined ? parseRegistryHost(flags.registry, '--registry') : flags.fromEnv && env['REGISTRY'] ? parseRegistryHost(env['REGISTRY'], 'REGISTRY') : undefined;
    if (!registry && flags.fromEnv) {
      const account = env['AWS_ACCOUNT_ID'];
      const region = env['AWS_DEFAULT_REGION'];
      if (!account || !region) throw new ConfigError('set REGISTRY, or AWS_ACCOUNT_ID and AWS_DEFAULT_REGION, to name the registry (needed by --from-env)');
      registry = `${account}.dkr.ecr.${region}.amazonaws.com`;
    }
    target = registry ? `${registry}/${repo}:${tag}` : `${repo}:${tag}`;
  } else {
    if (!explicitTarget) throw new BadInputError('no target: give TARGET [SOURCE...], --repo R, or --from-env');
    target = explicitTarget;
  }
  if (explicitSources.length > 0) return { target, sources: explicitSources };
  const ref = parseReference(target);
  if (!ref.tag || ref.digest) throw new BadInputError(`target "${target}" must be a tag to derive per-arch sources from`);
  const sources = parseArchList(flags.arch).map((arch) => formatReference({ registry: ref.registry, repository: ref.repository, tag: perArchTag(ref.tag ?? 'latest', arch) }));
  return { target, sources };
}

function printResult(result: CreateIndexResult): void {
  const kind = result.mediaType.includes('docker') ? 'Docker manifest list' : 'OCI image index';
  const state = !result.pushed ? 'dry run, not pushed' : result.unchanged ? 'already current, nothing pushed' : 'pushed';
  const rows = result.manifests.map((m) => [formatPlatform(m.platform), m.digest, String(m.size), m.source]);
  const header = ['PLATFORM', 'DIGEST', 'SIZE', 'SOURCE'];
  process.stdout.write(`${result.reference}@${result.digest}\n${kind}, ${result.manifests.length} manifests, ${result.size} bytes (${state})\n${formatTable(header, rows)}\n`);
}

export function register(program: Command): void {
  const command = indexCommand(program)
    .command('create')
    .description('create a multi-arch index at TARGET from per-arch SOURCE images and move the tag to it')
    .argument('[target]', 'target tag reference, e.g. registry/repo:latest')
    .argument('[sources...]', 'per-arch images or indexes (default: TARGET-TAG-<arch> for each --arch)')
    .option('--from-env', 'target from IMAGE_REPO_NAME, IMAGE_TAG and REGISTRY or AWS_ACCOUNT_ID/AWS_DEFAULT_REGION')
    .option('--repo <repo>', 'repository of the target (with --tag, --arch, --registry)')
    .option('--registry <host>', 'registry host for --repo/--from-env')
    .option('--tag <tag>', 'multi-arch tag for --repo/--from-env', 'latest')
    .option('--arch <list>', 'architectures whose per-arch tags are the sources', 'amd64,arm64')
    .option('--format <format>', 'oci (image index) or docker (manifest list)', 'oci')
    .option('--annotation <key=value>', 'index annotation (repeatable)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--include-attestations', 'keep attestation manifests of index sources')
    .option('--dry-run', 'print the index JSON and push nothing')
    .option('--json', 'print the result as JSON');
  addRegistryFlags(command).action(async (target: string | undefined, sources: string[], flags: CreateFlags) => {
    if (flags.format !== 'oci' && flags.format !== 'docker') throw new BadInputError(`invalid --format "${flags.format}": use oci or docker`);
    const plan = planSources(target ? [target, ...sources] : [], flags, process.env);
    const access = registryAccessFromFlags(flags, [parseReference(plan.target).registry]);
    const result = await createIndex({
      ...access,
      target: plan.target,
      sources: plan.sources,
      format: flags.format,
      annotations: parseAnnotations(flags.annotation),
      includeAttestations: flags.includeAttestations === true,
      dryRun: flags.dryRun === true,
    });
    if (flags.json) {
      const { bytes: _bytes, ...printable } = result;
      process.stdout.write(`${JSON.stringify(printable, null, 2)}\n`);
    }
    else if (flags.dryRun) process.stdout.write(`${JSON.stringify(result.index, null, 2)}\n`);
    else printResult(result);
  });
}
