import { pushImage } from '../docker/push-image.js';
import { withPushCredentials } from '../docker/push-config.js';
import type { CredentialResolver } from '../registry/auth/credentials.js';
import type { BuildRecord, ReleaseSigner } from './release-signing.js';
import type { DockerCli } from '../docker/docker-cli.js';
import type { Builder } from '../builders/builder.js';
import { MultiarchError, SigningError, SmokeTestFailedError, throwIfAborted } from '../errors.js';
import type { GitSource } from '../attest/git-source.js';
import { formatPlatform, platformsEqual } from '../oci/platform.js';
import { archPlatform } from '../arch.js';
import type { ProgressEvent } from '../progress/events.js';
import type { ArchPlan, PipelinePlan } from './plan.js';
import type { ProductInputsResolver } from './product-build.js';
import type { ArchReport, StepName } from './report.js';
import type { RegistryServices, SmokeTester } from './services.js';
import { withStepTimeout } from './step-signal.js';

/** Where one arch is built: a builder, and the engine that holds its result (none for CodeBuild). */
export interface ArchBackend {
  readonly builder: Builder;
  readonly docker?: DockerCli;
}

export interface RunArchOptions {
  readonly plan: PipelinePlan;
  readonly arch: ArchPlan;
  readonly backend: ArchBackend;
  /** The product's base images and labels, resolved for this arch on its engine. */
  readonly productInputs?: ProductInputsResolver;
  /** Absent only for a build-only run, which stops before touching a registry. */
  readonly registry?: RegistryServices;
  /** The run's one credential source: `docker push` gets its credential too. */
  readonly credentials?: CredentialResolver;
  /** Set when the run signs: each arch's SBOM and provenance are prepared once it is pushed. */
  readonly signer?: ReleaseSigner;
  /** Labels for images of a user's own context (the product's Dockerfile sets its own). */
  readonly labels?: Readonly<Record<string, string>>;
  /** CodeBuild project ARNs by arch, for provenance. */
  readonly codebuildProjectArn?: (arch: ArchPlan) => string;
  /**
   * The local checkout of the build context (git), read once per run: what a Docker build
   * was built from. A builder that fetches its own source (CodeBuild) reports its own.
   */
  readonly source?: GitSource;
  readonly smokeTester?: SmokeTester;
  readonly signal: AbortSignal;
  readonly emit: (event: ProgressEvent) => void;
  /** Filled in as steps finish, so a failure still reports what was done. */
  readonly report: ArchReport;
}

/** What an arch hands to the publish step: the pushed manifest and the image it holds. */
export interface TestedImage {
  /** Digest of the per-arch manifest pushed under the run tag. */
  readonly digest: string;
  /**
   * The config digest the smoke test ran against (the local image ID; for CodeBuild the
   * `IMAGE_ID` its buildspec exported). Undefined: the builder could not say.
   */
  readonly imageId?: string;
  /** SBOM and provenance to attest, when the run signs. */
  readonly release?: Awaited<ReturnType<ReleaseSigner['prepare']>>;
  /**
   * The run-scoped tag it sits under, dropped once published: the plan's, or the one an
   * adopted build's starter chose. Undefined when an adopted build pushed under a tag that
   * is not run-scoped (`latest-amd64`): never ours to drop.
   */
  readonly runTarget: string | undefined;
  /** The commit the image was built from, when known (the publish step refuses a mix). */
  readonly commit?: string;
  /** Who says so: the local checkout or the CodeBuild build. */
  readonly commitFrom?: string;
}

/**
 * base → build → smoke test → push for one arch, on its own (no barrier with the other
 * arches). Every step after the build refers to the image by the ID the build reported,
 * and the push goes to the run-scoped tag; the pushed manifest's config must be that ID.
 * Builders that push themselves (CodeBuild smoke-tests before its push) are checked
 * against the registry instead of trusted.
 */
export async function runArch(options: RunArchOptions): Promise<TestedImage | undefined> {
  const { plan, arch, backend, signal, emit, report } = options;
  const subject = arch.arch;
  const timed = async <T>(step: StepName, limit: number, work: (s: AbortSignal) => Promise<T>, detail?: string): Promise<T> => {
    throwIfAborted(signal, `${subject} ${step}`);
    emit({ type: 'phase', subject, phase: step, ...(detail ? { detail } : {}) });
    const started = Date.now();
    try {
      return await withStepTimeout(`${subject} ${step}`, signal, limit, work);
    } finally {
      report.steps[step] = Date.now() - started;
    }
  };

  const docker = backend.docker;
  const inputs = docker && options.productInputs
    ? await timed('base', plan.timeouts.build, (s) => (options.productInputs as ProductInputsResolver)(arch.arch, docker, s))
    : { buildArgs: {}, secrets: [] };

  const buildArgs = { ...plan.buildArgs, ...inputs.buildArgs };
  const buildStarted = new Date();
  const built = await timed('build', plan.timeouts.build, (s) =>
    backend.builder.build({
      arch: arch.arch,
      contextDir: plan.contextDir,
      dockerfile: plan.dockerfile,
      tag: docker ? arch.localTag : arch.runTarget,
      buildArgs,
      ...(options.labels ? { labels: options.labels } : {}),
      secrets: [...plan.secrets, ...inputs.secrets],
      logFile: arch.logFile,
      signal: s,
      onLine: (line) => emit({ type: 'line', subject, line }),
    }),
    `building ${docker ? arch.localTag : arch.runTarget} with ${backend.builder.name}`,
  );
  const buildFinished = new Date();
  // what this image was built from: CodeBuild's own checkout, else the local one
  const source: GitSource = built.source ? { ...built.source } : (options.source ?? {});
  const commitFrom = built.source ? `CodeBuild ${built.buildId ?? ''}`.trim() : 'the local checkout';
  if (source.commit) report.commit = source.commit;
  const attest = async (digest: string, image: string): Promise<TestedImage['release']> => {
    const signer = options.signer;
    if (!signer) return undefined;
    if (!source.commit) {
      throw new SigningError(`${subject}: ${backend.builder.name} reported no commit it built from, so its provenance could not name one; nothing is signed or published`);
    }
    const builder: BuildRecord['builder'] = !docker
      ? { kind: 'codebuild', projectArn: options.codebuildProjectArn?.(arch) ?? '', buildId: built.buildId ?? '' }
      : arch.builder.type === 'local'
        ? { kind: 'local-docker' }
        : { kind: 'remote-docker', host: docker.describe() };
    const release = await timed('attest', plan.timeouts.push, (s) =>
      signer.prepare({ arch, ...(docker ? { docker } : {}), image, digest, builder, source, buildArgs, startedOn: buildStarted, finishedOn: buildFinished }, s),
    );
    report.sbom = { debian: release.summary.debian, npm: release.summary.npm };
    return release;
  };

  if (plan.stopAfter === 'build') {
    if (built.imageId) report.imageId = built.imageId;
    if (built.sizeBytes !== undefined) report.uncompressedBytes = built.sizeBytes;
    return undefined;
  }
  const registry = options.registry;
  if (!registry) throw new MultiarchError('INTERNAL', 'a publishing run needs registry services');

  if (built.pushed) {
    const pushed = built.pushed;
    report.digest = pushed.digest;
    if (built.imageId) report.imageId = built.imageId;
    // an adopted build (Jenkins, a batch) pushed under the tag its starter chose
    let runTarget: string | undefined = arch.runTarget;
    if (pushed.reference !== arch.runTarget) {
      const repository = `${plan.registry}/${plan.repository}:`;
      if (!pushed.reference.startsWith(repository)) {
        throw new MultiarchError('VERIFY_FAILED', `${backend.builder.name} pushed ${pushed.reference}, outside ${plan.registry}/${plan.repository}: not publishing it`);
      }
      runTarget = pushed.reference.slice(repository.length).startsWith('run-') ? pushed.reference : undefined;
      report.runTarget = runTarget;
    }
    await timed('verify', plan.timeouts.push, (s) => checkPushed(options, registry, pushed.reference, pushed.digest, built.imageId, s));
    await recordSize(options, registry);
    const release = await attest(pushed.digest, `${plan.registry}/${plan.repository}@${pushed.digest}`);
    return {
      digest: pushed.digest,
      runTarget,
      ...(built.imageId ? { imageId: built.imageId } : {}),
      ...(release ? { release } : {}),
      ...(source.commit ? { commit: source.commit, commitFrom } : {}),
    };
  }

  if (!docker) throw new MultiarchError('INTERNAL', `builder ${backend.builder.name} neither pushed nor left an image on an engine`);
  const imageId = built.imageId;
  if (!imageId) throw new MultiarchError('INTERNAL', `builder ${backend.builder.name} reported no image ID`);
  report.imageId = imageId;
  if (built.sizeBytes !== undefined) report.uncompressedBytes = built.sizeBytes;

  if (plan.smokeTest.skip || !options.smokeTester) {
    emit({ type: 'status', subject, detail: 'smoke test skipped' });
    report.smokeTest = 'skipped';
  } else {
    const tester = options.smokeTester;
    const outcome = await timed('smoke-test', plan.timeouts.smokeTest, (s) =>
      tester({ docker, image: imageId, arch: arch.arch, signal: s, logFile: arch.logFile, timeoutMs: plan.timeouts.smokeTest }),
    );
    report.smokeTest = outcome.passed ? 'passed' : 'failed';
    if (!outcome.passed) throw new SmokeTestFailedError(`${arch.platform} image ${imageId.slice(0, 19)} ${outcome.summary}`);
    emit({ type: 'status', subject, detail: outcome.summary });
  }

  const push = (s: AbortSignal, env?: Readonly<Record<string, string>>) =>
    pushImage({
      docker, source: imageId, target: arch.runTarget, signal: s, logFile: arch.logFile, ...(env ? { env } : {}),
      // docker retries failed layer uploads quietly; say so, or a stalled push looks hung
      onLine: (line) => (/retrying in/i.test(line) ? emit({ type: 'status', subject, detail: `push: ${line.trim()}` }) : emit({ type: 'line', subject, line })),
    });
  const credentials = options.credentials;
  try {
    const pushed = await timed('push', plan.timeouts.push, (s) => (credentials ? withPushCredentials(credentials, plan.registry, s, (env) => push(s, env)) : push(s)));
    report.digest = pushed.digest;
    await timed('verify', plan.timeouts.push, (s) => checkPushed(options, registry, arch.runTarget, pushed.digest, imageId, s));
    await recordSize(options, registry);
    const release = await attest(pushed.digest, imageId);
    return { digest: pushed.digest, runTarget: arch.runTarget, imageId, ...(release ? { release } : {}), ...(source.commit ? { commit: source.commit, commitFrom } : {}) };
  } finally {
    // the run tag's local name goes once the image is pushed and read; the image keeps its ID
    await docker.run(['image', 'rm', '--no-prune', arch.runTarget], { reject: false });
  }
}

/**
 * The run tag holds exactly the pushed manifest, for this arch's platform, and its config
 * is the image that was tested: anything else means another writer got in between.
 */
async function checkPushed({ plan, arch }: RunArchOptions, registry: RegistryServices, runTarget: string, digest: string, imageId: string | undefined, signal: AbortSignal): Promise<void> {
  const found = await registry.resolveDigest(runTarget, { signal });
  if (found.digest !== digest) {
    throw new MultiarchError('VERIFY_FAILED', `${runTarget} is ${found.digest} in the registry, but the push reported ${digest}`);
  }
  const image = await registry.readImage(`${plan.registry}/${plan.repository}@${digest}`, { signal });
  if (!platformsEqual(image.platform, archPlatform(arch.arch))) {
    throw new MultiarchError('VERIFY_FAILED', `${runTarget} is a ${formatPlatform(image.platform)} image, not ${arch.platform}`);
  }
  if (imageId && image.configDigest !== imageId) {
    throw new MultiarchError('VERIFY_FAILED', `${runTarget} holds image ${image.configDigest}, not ${imageId}, the one that passed the smoke test`);
  }
}

async function recordSize({ plan, report, signal }: RunArchOptions, registry: RegistryServices): Promise<void> {
  if (!registry.imageSize || !report.digest) return;
  report.sizeBytes = await registry.imageSize(`${plan.registry}/${plan.repository}@${report.digest}`, { signal }).catch(() => undefined);
}
