import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseBaseChoice } from '../base/resolve-base.js';
import type { PipelineConfig } from '../config/schema.js';
import { DockerCli } from '../docker/docker-cli.js';
import { packageVersion } from '../package-version.js';
import { createReleaseSigner, type SigningSettings } from './release-signing.js';
import { readGitSource } from '../attest/git-source.js';
import { errorSummary, type PipelineReport } from './report.js';
import type { ProgressEvent } from '../progress/events.js';
import { createBackends } from './backends.js';
import { planPipeline, type ArchPlan, type PipelinePlan } from './plan.js';
import { productInputs } from './product-build.js';
import { BadInputError } from '../errors.js';
import { checkPlanInputs } from './check-inputs.js';
import { defaultCaBundle } from '../builders/image-build-request.js';
import type { BeforeTagsMove } from './publish.js';
import type { CredentialResolver } from '../registry/auth/credentials.js';
import { acquireTargetLock, type TargetLock } from './target-lock.js';
import { pipelineCredentials } from './registry-credentials.js';
import { createRegistryServices } from './registry-services.js';
import { runPipeline } from './run-pipeline.js';
import type { RegistryServices } from './services.js';
import { commandSmokeTester, productSmokeTester } from './smoke-testers.js';

export interface ExecutePipelineOptions {
  readonly projectDir: string;
  readonly productContextDir: string;
  readonly stateDir: string;
  readonly signal?: AbortSignal;
  readonly emit?: (event: ProgressEvent) => void;
  /** Default: the project's own OCI client with `pipelineCredentials`. */
  readonly registry?: RegistryServices;
  /** Where registry credentials come from; default: `pipelineCredentials` over `dockerConfigDir`. */
  readonly credentials?: CredentialResolver;
  /** Docker config directory for registry credentials (the CLI passes `$DOCKER_CONFIG`); default `~/.docker`. */
  readonly dockerConfigDir?: string;
  readonly localDocker?: DockerCli;
  /** Signing and attestation of the verified index, by digest, before any tag moves. */
  readonly beforeTagsMove?: BeforeTagsMove;
  /** Sign and attest (SBOM, provenance) what is published, by digest, before any tag moves. */
  readonly signing?: SigningSettings;
  /** `build`: stop each arch after its build (`multiarch build`); no registry is touched. */
  readonly stopAfter?: 'build' | 'publish';
  readonly sequential?: boolean;
}

/**
 * Unique, sortable run id (`20261201T054859Z-3fa9c1`): log directories and run-scoped
 * registry tags of concurrent runs never collide.
 */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

export function planFor(config: PipelineConfig, options: Pick<ExecutePipelineOptions, 'productContextDir' | 'stopAfter' | 'sequential'>): PipelinePlan {
  const caBundle = defaultCaBundle();
  return planPipeline(config, {
    productContextDir: options.productContextDir,
    runId: newRunId(),
    ...(options.stopAfter ? { stopAfter: options.stopAfter } : {}),
    ...(options.sequential ? { sequential: true } : {}),
    ...(caBundle ? { defaultCaBundle: caBundle } : {}),
  });
}

/**
 * `multiarch pipeline` (and, with `stopAfter: 'build'`, `multiarch build`) as a library
 * call: check the inputs, take the target's lock, set up and reach a builder per arch,
 * run. Setup failures (a missing file, an unreachable engine, a bad base, the lock held
 * with `--no-wait`) come back in the report like step failures, so callers handle one shape.
 */
export async function executePipeline(config: PipelineConfig, options: ExecutePipelineOptions, plan = planFor(config, options)): Promise<PipelineReport> {
  const emit = options.emit ?? (() => undefined);
  const started = Date.now();
  let close = (): void => undefined;
  let lock: TargetLock | undefined;
  let ownRegistry: RegistryServices | undefined;
  try {
    checkPlanInputs(plan);
    const publishing = plan.stopAfter === 'publish';
    // the commit the images are labelled with and the provenance names: read once
    const source = await readGitSource(plan.contextDir, options.signal);
    if (publishing && options.signing && !config.accountId && plan.arches.some((a) => a.builder.type === 'codebuild')) {
      throw new BadInputError('signing CodeBuild builds needs --account-id: their provenance names the CodeBuild project by ARN');
    }
    // CodeBuild builds name the commit they resolved themselves; Docker builds build the checkout
    if (publishing && options.signing && !source.commit && plan.arches.some((a) => a.builder.type !== 'codebuild')) {
      throw new BadInputError(`signing needs the build context in a git checkout: the provenance must name a commit, and ${plan.contextDir} is in none`);
    }
    if (!publishing && plan.arches.some((a) => a.builder.type === 'codebuild')) {
      throw new BadInputError('multiarch build builds on Docker engines; CodeBuild builds push themselves: use multiarch pipeline');
    }
    if (publishing) {
      lock = await acquireTargetLock({
        stateDir: options.stateDir,
        target: plan.target,
        runId: plan.runId,
        wait: plan.waitForLock,
        ...(options.signal ? { signal: options.signal } : {}),
        onWaiting: (holder) => emit({ type: 'status', subject: 'index', detail: `waiting for run ${holder.runId} (pid ${holder.pid}), which is publishing ${plan.target}` }),
      });
    }
    const created = await createBackends({ plan, config, emit, ...(options.signal ? { signal: options.signal } : {}), ...(options.localDocker ? { localDocker: options.localDocker } : {}) });
    close = created.close;
    // one credential source for the run: our registry client and every `docker push`
    const credentials = options.credentials ?? pipelineCredentials(config, options.dockerConfigDir ?? join(homedir(), '.docker'));
    const registry = publishing
      ? (options.registry ?? (ownRegistry = createRegistryServices({ registry: plan.registry, repository: plan.repository, insecure: plan.insecureRegistry, credentials })))
      : undefined;
    const signer = publishing && options.signing
      ? createReleaseSigner({
          plan,
          projectDir: options.projectDir,
          settings: options.signing,
          credentials,
          localDocker: options.localDocker ?? new DockerCli(),
          tool: { name: 'puppeteer-multiarch', version: packageVersion() },
        })
      : undefined;
    const smokeTester = plan.smokeTest.skip ? undefined : plan.smokeTest.command ? commandSmokeTester(plan.smokeTest.command) : productSmokeTester;
    return await runPipeline({
      plan,
      backends: created.backends,
      ...(plan.product
        ? {
            productInputs: productInputs({
              plan,
              projectDir: options.projectDir,
              stateDir: options.stateDir,
              base: parseBaseChoice(config.build.base),
              onStatus: (arch, detail) => emit({ type: 'status', subject: arch, detail }),
            }),
          }
        : {}),
      ...(registry ? { registry, credentials } : {}),
      ...(smokeTester ? { smokeTester } : {}),
      ...(signer ? { signer, beforeTagsMove: signer.beforeTagsMove } : options.beforeTagsMove ? { beforeTagsMove: options.beforeTagsMove } : {}),
      source,
      ...(!plan.product && source.commit ? { labels: { 'org.opencontainers.image.revision': source.commit } } : {}),
      // the provenance names the real project ARN: without the account id there is none to name
      ...(config.accountId ? { codebuildProjectArn: (arch: ArchPlan) => `arn:aws:codebuild:${config.region}:${config.accountId ?? ''}:project/${arch.project ?? ''}` } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      emit,
    });
  } catch (error) {
    const summary = errorSummary(error);
    return {
      runId: plan.runId,
      target: plan.target,
      status: summary.code === 'CANCELLED' ? 'cancelled' : 'failed',
      arches: plan.arches.map((a) => ({ arch: a.arch, builder: a.builder.type, status: 'pending', target: a.target, steps: {}, durationMs: 0 })),
      durationMs: Date.now() - started,
      error: summary,
    };
  } finally {
    close();
    await lock?.release();
    await ownRegistry?.close?.();
  }
}

