import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import type { Arch } from '../arch.js';
import { createCodeBuildBuilder } from '../builders/codebuild.js';
import { createLocalDockerBuilder } from '../builders/local-docker.js';
import { createRemoteDockerBuilder } from '../builders/remote-docker.js';
import type { PipelineConfig } from '../config/schema.js';
import { DockerCli } from '../docker/docker-cli.js';
import type { ProgressEvent } from '../progress/events.js';
import type { PipelinePlan } from './plan.js';
import type { ArchBackend } from './run-arch.js';

export interface CreateBackendsOptions {
  readonly plan: PipelinePlan;
  readonly config: PipelineConfig;
  readonly emit: (event: ProgressEvent) => void;
  readonly signal?: AbortSignal;
  /** The local engine (default: the docker CLI's own DOCKER_HOST/context). */
  readonly localDocker?: DockerCli;
}

interface AwsClientConfig {
  readonly region: string;
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  readonly maxAttempts: number;
}

function awsClientConfig(config: PipelineConfig, endpoint: string | undefined): AwsClientConfig {
  return {
    region: config.region,
    ...(endpoint ? { endpoint } : {}),
    // a copy: the SDK tags the credentials object it is given, and ours is frozen
    ...(config.credentials ? { credentials: { ...config.credentials } } : {}),
    // Throttling is retried by our own backoff; the SDK's few quick retries stay as a first line.
    maxAttempts: 3,
  };
}

/** One builder per arch, from its spec; remote engines are checked for reachability here. */
export async function createBackends(options: CreateBackendsOptions): Promise<{ backends: Partial<Record<Arch, ArchBackend>>; close: () => void }> {
  const { plan, config } = options;
  const backends: Partial<Record<Arch, ArchBackend>> = {};
  const pingedLocal = new Set<DockerCli>();
  let aws: { client: CodeBuildClient; logsClient: CloudWatchLogsClient } | undefined;
  for (const arch of plan.arches) {
    const spec = arch.builder;
    if (spec.type === 'local') {
      const docker = options.localDocker ?? new DockerCli();
      // before anything else runs (a base bootstrap takes minutes): an engine that is not
      // there is a host problem, not a failed build or smoke test
      if (!pingedLocal.has(docker)) {
        await docker.assertReachable(options.signal);
        pingedLocal.add(docker);
      }
      backends[arch.arch] = { builder: createLocalDockerBuilder({ docker }), docker };
    } else if (spec.type === 'remote') {
      backends[arch.arch] = await createRemoteDockerBuilder({
        ...(spec.host ? { host: spec.host } : {}),
        ...(spec.context ? { context: spec.context } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } else {
      aws ??= {
        client: new CodeBuildClient(awsClientConfig(config, config.codebuild.endpoint)),
        logsClient: new CloudWatchLogsClient(awsClientConfig(config, config.codebuild.logsEndpoint ?? config.codebuild.endpoint)),
      };
      backends[arch.arch] = {
        builder: createCodeBuildBuilder({
          ...aws,
          project: arch.project ?? spec.project ?? '',
          ...(spec.build ? { adoptBuild: spec.build } : {}),
          region: config.region,
          ...(config.accountId ? { accountId: config.accountId } : {}),
          ...(config.codebuild.sourceVersion ? { sourceVersion: config.codebuild.sourceVersion } : {}),
          pollIntervalMs: config.codebuild.pollInterval,
          maxPollIntervalMs: config.codebuild.maxPollInterval,
          queueTimeoutMs: config.codebuild.queueTimeout,
          buildTimeoutMs: config.timeouts.build,
          onStatus: (detail) => options.emit({ type: 'status', subject: arch.arch, detail }),
        }),
      };
    }
  }
  return {
    backends,
    close: () => {
      aws?.client.destroy();
      aws?.logsClient.destroy();
    },
  };
}
