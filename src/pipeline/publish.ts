import { archPlatform, type Arch } from '../arch.js';
import { ConflictError, MultiarchError, throwIfAborted } from '../errors.js';
import { formatPlatform, platformKey } from '../oci/platform.js';
import type { ProgressEvent } from '../progress/events.js';
import { timeoutSignal } from '../timeout-signal.js';
import type { PipelinePlan } from './plan.js';
import type { TestedImage } from './run-arch.js';
import type { PushedIndex, RegistryServices } from './services.js';

/** What the publish step may do between "index verified by digest" and "tags move" (signing). */
export type BeforeTagsMove = (index: { readonly reference: string; readonly digest: string; readonly arches: ReadonlyMap<Arch, TestedImage> }, signal: AbortSignal) => Promise<void>;

export interface PublishOptions {
  readonly plan: PipelinePlan;
  readonly registry: RegistryServices;
  /** Every configured arch, built, smoke-tested and pushed under its run tag. */
  readonly arches: ReadonlyMap<Arch, TestedImage>;
  /** What the multi-arch tag pointed at when the run started (undefined: absent). */
  readonly previousDigest: string | undefined;
  readonly signal: AbortSignal;
  readonly emit: (event: ProgressEvent) => void;
  readonly beforeTagsMove?: BeforeTagsMove;
}

export interface PublishResult {
  readonly index: PushedIndex;
  readonly movedTags: readonly string[];
  readonly runTagsLeft: readonly string[];
}

/** The tag moves are few requests; once begun they finish (or roll back) even if cancelled. */
const COMMIT_TIMEOUT_MS = 60_000;

/**
 * The one publish step, run only after every arch passed:
 * 1. push the index of the run-tagged digests, by digest (no tag moves);
 * 2. verify it by digest: every child present, the platform set equals the configured
 *    arches, each child's config is the image that passed the smoke test;
 * 3. `beforeTagsMove` (sign and attest by digest);
 * 4. refuse if the multi-arch tag moved since the run started, unless `plan.force`;
 * 5. move the per-arch tags, then the multi-arch tag; on failure, put back the per-arch
 *    tags already moved; confirm the tag now names the index;
 * 6. drop the run tags where the registry can delete a tag alone.
 * Up to step 4 a cancel leaves every tag where it was.
 */
export async function publish(options: PublishOptions): Promise<PublishResult> {
  const { plan, registry, signal, emit } = options;
  const repository = `${plan.registry}/${plan.repository}`;
  const ordered = plan.arches.map((a) => {
    const tested = options.arches.get(a.arch);
    if (!tested) throw new MultiarchError('INTERNAL', `publish called without a tested ${a.arch} image`);
    return { plan: a, tested };
  });

  emit({ type: 'phase', subject: 'index', phase: 'index' });
  const index = await registry.pushIndex(repository, ordered.map((a) => `${repository}@${a.tested.digest}`), { signal });
  const indexRef = `${repository}@${index.digest}`;

  emit({ type: 'phase', subject: 'index', phase: 'verify', detail: index.digest });
  await verifyPublishedIndex({ plan, registry, indexRef, arches: options.arches, signal });

  if (options.beforeTagsMove) {
    emit({ type: 'phase', subject: 'index', phase: 'sign', detail: index.digest });
    await options.beforeTagsMove({ reference: indexRef, digest: index.digest, arches: options.arches }, signal);
  }

  throwIfAborted(signal, 'publish');
  const current = await currentDigest(registry, plan.target, signal);
  if (current !== options.previousDigest && !plan.force) {
    throw new ConflictError(
      `${plan.target} moved since this run started (${options.previousDigest ?? 'absent'} → ${current ?? 'absent'}): another publisher got there first; nothing was moved (rerun, or pass --force to overwrite)`,
    );
  }
  throwIfAborted(signal, 'publish');

  emit({ type: 'phase', subject: 'index', phase: 'publish', detail: `${plan.target}@${index.digest}` });
  const moved = await moveTags(options, ordered.map((a) => ({ tag: tagOf(a.plan.target), digest: a.tested.digest })), index.digest);

  const runTags = ordered.map((a) => a.tested.runTarget).filter((t): t is string => t !== undefined);
  const runTagsLeft = await dropRunTags(registry, repository, runTags);
  return { index, movedTags: moved, runTagsLeft };
}

/**
 * Deletes run tags where the registry can delete a tag alone (never by digest, which would
 * take a published image along); returns the ones left for a lifecycle rule to expire.
 * Best effort, with its own time limit: it runs after a publish and after a failed run.
 */
export async function dropRunTags(registry: RegistryServices, repository: string, references: readonly string[]): Promise<string[]> {
  const signal = timeoutSignal(15_000);
  const left: string[] = [];
  for (const reference of references) {
    const deleted = registry.deleteTag ? await registry.deleteTag(repository, tagOf(reference), { signal }).catch(() => false) : false;
    if (!deleted) left.push(reference);
  }
  return left;
}

function tagOf(reference: string): string {
  return reference.slice(reference.lastIndexOf(':') + 1);
}

/** What `reference` points at now; undefined when it does not exist. */
export async function currentDigest(registry: RegistryServices, reference: string, signal: AbortSignal): Promise<string | undefined> {
  try {
    return (await registry.resolveDigest(reference, { signal })).digest;
  } catch (error) {
    if (error instanceof MultiarchError && error.code === 'NOT_FOUND') return undefined;
    throw error;
  }
}

/**
 * Per-arch tags first, the multi-arch tag last, so a consumer of the multi-arch tag never
 * sees a half-published state. Deliberately not cancellable: a signal now would leave
 * per-arch tags moved and the multi-arch tag not.
 */
async function moveTags(options: PublishOptions, perArch: ReadonlyArray<{ tag: string; digest: string }>, indexDigest: string): Promise<string[]> {
  const { plan, registry } = options;
  const repository = `${plan.registry}/${plan.repository}`;
  const signal = timeoutSignal(COMMIT_TIMEOUT_MS);
  const before = new Map<string, string | undefined>();
  for (const { tag } of perArch) before.set(tag, await currentDigest(registry, `${repository}:${tag}`, signal));
  const moved: string[] = [];
  try {
    for (const { tag, digest } of perArch) {
      await registry.moveTag(repository, tag, digest, { signal });
      moved.push(`${repository}:${tag}`);
    }
    await registry.moveTag(repository, plan.tag, indexDigest, { signal });
    moved.push(plan.target);
  } catch (error) {
    await rollBack(registry, repository, moved, before);
    throw error;
  }
  const now = await currentDigest(registry, plan.target, signal);
  if (now !== indexDigest) {
    throw new MultiarchError('DIGEST_MISMATCH', `${plan.target} is ${now ?? 'absent'} right after this run moved it to ${indexDigest}: another publisher raced this one`);
  }
  return moved;
}

async function rollBack(registry: RegistryServices, repository: string, moved: readonly string[], before: ReadonlyMap<string, string | undefined>): Promise<void> {
  const signal = timeoutSignal(COMMIT_TIMEOUT_MS);
  for (const reference of moved) {
    const tag = tagOf(reference);
    const previous = before.get(tag);
    try {
      if (previous) await registry.moveTag(repository, tag, previous, { signal });
      else await registry.deleteTag?.(repository, tag, { signal });
    } catch {
      // best effort: the error that stopped the publish is the one to report
    }
  }
}

/**
 * The index as the registry serves it by digest lists exactly the configured platforms,
 * each child is present and is the very image that passed the smoke test.
 */
export async function verifyPublishedIndex(options: {
  readonly plan: PipelinePlan;
  readonly registry: RegistryServices;
  readonly indexRef: string;
  readonly arches: ReadonlyMap<Arch, TestedImage>;
  readonly signal: AbortSignal;
}): Promise<void> {
  try {
    await checkPublishedIndex(options);
  } catch (error) {
    // something this run just pushed is not served by digest: that is a failed verification
    if (error instanceof MultiarchError && error.code === 'NOT_FOUND') throw new MultiarchError('VERIFY_FAILED', `index ${options.indexRef}: ${error.message}`, { cause: error });
    throw error;
  }
}

async function checkPublishedIndex(options: Parameters<typeof verifyPublishedIndex>[0]): Promise<void> {
  const { plan, registry, indexRef, signal } = options;
  // every child, config and layer present; each entry's platform is its config's
  await registry.verifyImage(indexRef, { signal });
  const repository = `${plan.registry}/${plan.repository}`;
  const index = await registry.readIndex(indexRef, { signal });
  const problems: string[] = [];
  const wanted = new Map(plan.arches.map((a) => [platformKey(archPlatform(a.arch)), a.arch]));
  const seen = new Set<string>();
  for (const entry of index.manifests) {
    const key = platformKey(entry.platform);
    const arch = wanted.get(key);
    if (!arch) {
      problems.push(`lists ${formatPlatform(entry.platform)}, which this run does not build`);
      continue;
    }
    seen.add(key);
    const tested = options.arches.get(arch);
    if (tested?.digest !== entry.digest) problems.push(`${formatPlatform(entry.platform)} is ${entry.digest}, not the pushed ${tested?.digest ?? '?'}`);
    const image = await registry.readImage(`${repository}@${entry.digest}`, { signal });
    if (tested?.imageId && image.configDigest !== tested.imageId) {
      problems.push(`${formatPlatform(entry.platform)} holds image ${image.configDigest}, not ${tested.imageId}, the one that passed the smoke test`);
    }
  }
  for (const [key, arch] of wanted) if (!seen.has(key)) problems.push(`has no ${formatPlatform(archPlatform(arch))} image`);
  if (problems.length > 0) throw new MultiarchError('VERIFY_FAILED', `index ${indexRef} ${problems.join('; ')}`);
}
