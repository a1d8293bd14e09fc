import { Option, type Command } from 'commander';
import { parseAssignments, parseBuilderAssignments, layerFrom, type ConfigLayer } from '../../config/sources.js';
import { loadConfig, type LoadedConfig } from '../../config/load-config.js';
import { runContext } from '../run-context.js';

/** Commander reducer for a repeatable flag. */
const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A repeatable flag's values as Commander parsed them (none: empty). */
function listFlag(raw: Record<string, unknown>, key: string): string[] {
  return Array.isArray(raw[key]) ? (raw[key] as string[]) : [];
}

/** The config entries of the flags `addBuildInputOptions` adds, each naming its flag. */
export function buildInputEntries(raw: Record<string, unknown>): Record<'build.dockerfile' | 'build.args' | 'build.secrets', [unknown, string]> {
  const list = (key: string): string[] => listFlag(raw, key);
  const secrets = list('secret').length ? Object.entries(parseAssignments(list('secret'), '--secret')).map(([id, src]) => ({ id, src })) : undefined;
  return {
    'build.dockerfile': [typeof raw['dockerfile'] === 'string' ? raw['dockerfile'] : undefined, '--dockerfile'],
    'build.args': [list('buildArg').length ? parseAssignments(list('buildArg'), '--build-arg') : undefined, '--build-arg'],
    'build.secrets': [secrets, '--secret'],
  };
}

/** The build inputs `build` shares with `pipeline` and `config`. */
export function addBuildInputOptions(command: Command): Command {
  return command
    .option('--dockerfile <path>', 'Dockerfile: absolute, or relative to the context')
    .option('--build-arg <key=value>', 'build argument (repeatable)', collect)
    .option('--secret <id=src>', 'BuildKit secret file (repeatable)', collect);
}

/** The flags shared by `pipeline` and `config`: everything the effective config holds. */
export function addPipelineConfigOptions(command: Command): Command {
  return addBuildInputOptions(command)
    .option('-c, --config <file>', 'YAML or JSON config file (else $MULTIARCH_CONFIG)')
    .option('--registry <host>', 'registry host[:port] (default: ECR of --account-id/--region)')
    .option('--repository <name>', 'repository (IMAGE_REPO_NAME; default multi-arch-test)')
    .option('-t, --tag <tag>', 'multi-arch tag to publish (IMAGE_TAG; default latest)')
    .option('--arch <list>', 'arches to build, e.g. amd64,arm64 (IMAGE_ARCH)')
    .option('--builder <arch=spec>', 'builder, for all arches or per arch (arm64=codebuild): local | remote:<DOCKER_HOST> | context:<name> | codebuild[:<project>] (repeatable)', collect)
    .option('--region <region>', 'AWS region (AWS_DEFAULT_REGION)')
    .option('--account-id <id>', 'AWS account id (AWS_ACCOUNT_ID)')
    .option('--context <dir>', 'build context (default: the product image)')
    .option('--base <choice>', 'product base: auto | public | local | <image>')
    .option('--smoke-command <cmd>', 'replace the product smoke test with this shell command run in the image')
    .option('--no-smoke-test', 'skip the smoke test')
    .option('--timeout-build <duration>', 'per-arch build limit (e.g. 60m)')
    .option('--timeout-smoke-test <duration>', 'per-arch smoke test limit')
    .option('--timeout-push <duration>', 'per-arch push limit')
    .option('--timeout-index <duration>', 'index create + verify limit')
    .option('--timeout <duration>', 'whole-pipeline limit')
    .option('--codebuild-endpoint <url>', 'CodeBuild endpoint (MULTIARCH_CODEBUILD_ENDPOINT)')
    .option('--logs-endpoint <url>', 'CloudWatch Logs endpoint (MULTIARCH_LOGS_ENDPOINT)')
    .option('--source-version <ref>', 'source version for CodeBuild builds (commit, branch, PR)')
    .option('--poll-interval <duration>', 'first CodeBuild poll interval')
    .option('--queue-timeout <duration>', 'longest a CodeBuild build may stay queued')
    .option('--ecr-endpoint <url>', 'ECR API endpoint for registry credentials (AWS_ENDPOINT_URL_ECR)')
    .option('--insecure', 'allow plain HTTP to a non-loopback registry')
    .option('--log-dir <dir>', 'per-arch log files (kept for failures)')
    .option('--sign-key <file>', 'sign and attest (SBOM, provenance) with this cosign private key, before any tag moves (password: COSIGN_PASSWORD)')
    .option('--sign-kms <arn>', 'sign and attest with this AWS KMS key (ECC_NIST_P256, SIGN_VERIFY)')
    .option('--kms-endpoint <host:port>', 'KMS endpoint other than the region\'s')
    .option('--tlog-upload', 'also upload signatures to the public Rekor transparency log (default: offline)')
    .option('--force', 'publish even if another publisher moved the tag after this run started (default: refuse, exit 9)')
    .option('--no-wait', 'fail at once (exit 9) when another run on this machine is publishing the same tag, instead of waiting')
    .addOption(new Option('--no-insecure').hideHelp());
}

/** Commander's parsed options → a config layer that names each flag as its origin. */
export function flagsLayer(raw: Record<string, unknown>): ConfigLayer {
  const str = (key: string): string | undefined => (typeof raw[key] === 'string' ? (raw[key] as string) : undefined);
  const list = (key: string): string[] => listFlag(raw, key);
  const builders = list('builder').length ? parseBuilderAssignments(list('builder'), '--builder') : undefined;
  const smokeCommand = str('smokeCommand');
  return layerFrom({
    registry: [str('registry'), '--registry'],
    repository: [str('repository'), '--repository'],
    tag: [str('tag'), '--tag'],
    arches: [str('arch'), '--arch'],
    builders: [builders, '--builder'],
    region: [str('region'), '--region'],
    accountId: [str('accountId'), '--account-id'],
    'build.context': [str('context'), '--context'],
    'build.base': [str('base'), '--base'],
    ...buildInputEntries(raw),
    'smokeTest.command': [smokeCommand ? ['sh', '-c', smokeCommand] : undefined, '--smoke-command'],
    'smokeTest.skip': [raw['smokeTest'] === false ? true : undefined, '--no-smoke-test'],
    'timeouts.build': [str('timeoutBuild'), '--timeout-build'],
    'timeouts.smokeTest': [str('timeoutSmokeTest'), '--timeout-smoke-test'],
    'timeouts.push': [str('timeoutPush'), '--timeout-push'],
    'timeouts.index': [str('timeoutIndex'), '--timeout-index'],
    'timeouts.pipeline': [str('timeout'), '--timeout'],
    'codebuild.endpoint': [str('codebuildEndpoint'), '--codebuild-endpoint'],
    'codebuild.logsEndpoint': [str('logsEndpoint'), '--logs-endpoint'],
    'codebuild.sourceVersion': [str('sourceVersion'), '--source-version'],
    'codebuild.pollInterval': [str('pollInterval'), '--poll-interval'],
    'codebuild.queueTimeout': [str('queueTimeout'), '--queue-timeout'],
    ecrEndpoint: [str('ecrEndpoint'), '--ecr-endpoint'],
    insecureRegistry: [raw['insecure'] === true ? true : undefined, '--insecure'],
    logDir: [str('logDir'), '--log-dir'],
    'publish.force': [raw['force'] === true ? true : undefined, '--force'],
    'sign.key': [str('signKey'), '--sign-key'],
    'sign.kms': [str('signKms'), '--sign-kms'],
    'sign.kmsEndpoint': [str('kmsEndpoint'), '--kms-endpoint'],
    'sign.tlogUpload': [raw['tlogUpload'] === true ? true : undefined, '--tlog-upload'],
    'publish.wait': [raw['wait'] === false ? false : undefined, '--no-wait'],
  });
}

/** Flags → environment (the run context's snapshot) → file → defaults. */
export async function loadCliConfig(raw: Record<string, unknown>): Promise<LoadedConfig> {
  const file = typeof raw['config'] === 'string' ? raw['config'] : undefined;
  return loadConfig({ flags: flagsLayer(raw), env: runContext().env, ...(file ? { file } : {}) });
}
