import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executePipeline } from '../../../src/pipeline/execute-pipeline.js';
import type { PipelineReport } from '../../../src/pipeline/report.js';
import type { ProgressEvent } from '../../../src/progress/events.js';
import { createRegistryServices } from '../../../src/pipeline/registry-services.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { startTestRegistry, type TestRegistry } from '../../support/registry.js';
import { currentDigest, removeImages, tinyConfig, tinyContext } from './fixtures.js';

/**
 * The product's one promise, off the happy path: the multi-arch tag (and every per-arch
 * tag) only ever points at images this very run built and smoke-tested, and a run that
 * does not publish moves nothing. Each case races, breaks or interrupts a real run on the
 * real engine and registry.
 */
const REPOSITORY = 'pipeline-publish-test';
const projectDir = process.cwd();
let registry: TestRegistry;
let context: string;
let work: string;

const run = (options: { tag: string; stateDir: string; args?: Record<string, string>; overrides?: Record<string, unknown>; emit?: (e: ProgressEvent) => void; host?: string; signal?: AbortSignal }) =>
  executePipeline(
    tinyConfig(options.host ?? registry.host, context, join(work, 'logs'), {
      repository: REPOSITORY,
      tag: options.tag,
      build: { context, args: { NONCE: `${Date.now()}-${Math.random()}`, ...options.args } },
      ...options.overrides,
    }),
    {
      projectDir,
      productContextDir: context,
      stateDir: options.stateDir,
      ...(options.emit ? { emit: options.emit } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );

/** The index's children as the registry serves them: platform → config digest. */
async function childConfigs(reference: string, host = registry.host): Promise<Record<string, string>> {
  const services = createRegistryServices({ registry: host, repository: REPOSITORY });
  try {
    const index = await services.readIndex(reference);
    const out: Record<string, string> = {};
    for (const entry of index.manifests) out[entry.platform.architecture] = (await services.readImage(`${host}/${REPOSITORY}@${entry.digest}`)).configDigest;
    return out;
  } finally {
    await services.close?.();
  }
}

const imageIds = (report: PipelineReport): Record<string, string | undefined> => Object.fromEntries(report.arches.map((a) => [a.arch, a.imageId]));

beforeAll(async () => {
  registry = await startTestRegistry();
  context = await tinyContext();
  work = await mkdtemp(join(tmpdir(), 'multiarch-publish-'));
});

afterAll(async () => {
  await registry?.stop();
  if (registry) await removeImages([REPOSITORY, `${registry.host}/${REPOSITORY}`, /^127\.0\.0\.1:\d+\/pipeline-publish-test$/]);
  for (const dir of [context, work]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe('publish exactly what was tested', () => {
  it('two runs racing on one tag from two machines: the good run publishes only its own images, the broken one nothing', async () => {
    // separate state dirs: no shared lock, as on two machines; both write the same local tags
    const [good, broken] = await Promise.all([
      run({ tag: 'race', stateDir: join(work, 'machine-a') }),
      new Promise<PipelineReport>((resolve) => setTimeout(() => resolve(run({ tag: 'race', stateDir: join(work, 'machine-b'), args: { BREAK: 'arm64' } })), 1_000)),
    ]);
    expect(broken.status).toBe('failed');
    expect(broken.error?.code).toBe('TEST_FAILED');
    expect(good.error).toBeUndefined();
    expect(good.status).toBe('published');
    const target = `${registry.host}/${REPOSITORY}:race`;
    expect(await currentDigest(target)).toBe(good.digest);
    // each child of the published index is the very image the good run smoke-tested
    const published = await childConfigs(target);
    expect(published).toEqual({ amd64: imageIds(good)['amd64'], arm64: imageIds(good)['arm64'] });
    expect(imageIds(good)['arm64']).not.toBe(imageIds(broken)['arm64']);
    for (const arch of good.arches) expect(await currentDigest(arch.target)).toBe(arch.digest);
  });

  it('two runs on one machine: the second waits for the first, then publishes over it', async () => {
    const stateDir = join(work, 'shared');
    const waited: string[] = [];
    const first = run({ tag: 'queue', stateDir });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = run({ tag: 'queue', stateDir, emit: (e) => (e.type === 'status' && /waiting for run/.test(e.detail) ? waited.push(e.detail) : undefined) });
    const [a, b] = await Promise.all([first, second]);
    expect(a.status).toBe('published');
    expect(b.status).toBe('published');
    expect(waited).toHaveLength(1);
    expect(waited[0]).toContain(a.runId);
    expect(b.previousDigest).toBe(a.digest);
    expect(await currentDigest(`${registry.host}/${REPOSITORY}:queue`)).toBe(b.digest);
  });

  it('--no-wait: a second run on the same target fails at once with CONFLICT and builds nothing', async () => {
    const stateDir = join(work, 'nowait');
    const first = run({ tag: 'nowait', stateDir, args: { SLOW: 'amd64', SLEEP: '8' } });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const second = await run({ tag: 'nowait', stateDir, overrides: { publish: { wait: false } } });
    expect(second.error?.code).toBe('CONFLICT');
    expect(second.error?.message).toMatch(/being published by run .* rerun without --no-wait/);
    expect(second.arches.every((a) => a.status === 'pending' && a.digest === undefined)).toBe(true);
    expect((await first).status).toBe('published');
  });

  it('a tag moved by another publisher during the run: nothing moves, unless --force', async () => {
    const before = await run({ tag: 'moved', stateDir: join(work, 'moved-a') });
    expect(before.status).toBe('published');
    let intruder: PipelineReport | undefined;
    const raced = await run({
      tag: 'moved',
      stateDir: join(work, 'moved-b'),
      // while this run smoke-tests, another machine publishes the tag
      emit: (e) => {
        if (e.type === 'phase' && e.subject === 'amd64' && e.phase === 'smoke-test' && !intruder) {
          intruder = {} as PipelineReport;
          void run({ tag: 'moved', stateDir: join(work, 'moved-c') }).then((r) => (intruder = r));
        }
      },
      overrides: { smokeTest: { command: ['sh', '-c', 'sleep 40; grep -q "^$(dpkg --print-architecture) " /arch'] } },
    });
    expect(intruder?.status).toBe('published');
    expect(raced.status).toBe('failed');
    expect(raced.error?.code).toBe('CONFLICT');
    expect(raced.error?.message).toContain(`${before.digest ?? '?'} → ${intruder?.digest ?? '?'}`);
    const target = `${registry.host}/${REPOSITORY}:moved`;
    expect(await currentDigest(target)).toBe(intruder?.digest);
    for (const arch of intruder?.arches ?? []) expect(await currentDigest(arch.target)).toBe(arch.digest);

    const forced = await run({ tag: 'moved', stateDir: join(work, 'moved-b'), overrides: { publish: { force: true } } });
    expect(forced.status).toBe('published');
    expect(await currentDigest(target)).toBe(forced.digest);
  }, 600_000);

  it('a registry that fails halfway through the tag moves: per-arch tags are put back, the tag stays', async () => {
    const proxy: FaultProxy = await startFaultProxy({ upstream: registry.url });
    try {
      const first = await run({ tag: 'halfway', stateDir: join(work, 'halfway'), host: proxy.host });
      expect(first.status).toBe('published');
      // every attempt to move the multi-arch tag fails, after the per-arch tags moved
      proxy.setScript([{ method: 'PUT', path: new RegExp(`/v2/${REPOSITORY}/manifests/halfway$`), fault: { kind: 'status', status: 500 }, times: Infinity }]);
      const second = await run({ tag: 'halfway', stateDir: join(work, 'halfway'), host: proxy.host });
      expect(second.status).toBe('failed');
      expect(second.error?.code).toBe('REGISTRY');
      expect(proxy.requests().some((r) => r.method === 'PUT' && /manifests\/halfway-amd64$/.test(r.path))).toBe(true);
      expect(await currentDigest(`${proxy.host}/${REPOSITORY}:halfway`)).toBe(first.digest);
      for (const arch of first.arches) expect(await currentDigest(arch.target)).toBe(arch.digest);
      expect(second.arches.map((a) => a.digest)).not.toEqual(first.arches.map((a) => a.digest));
    } finally {
      await proxy.stop();
    }
  });

  it('an index that fails its verification by digest: nothing moves (verify comes before any tag)', async () => {
    const proxy: FaultProxy = await startFaultProxy({ upstream: registry.url });
    try {
      const first = await run({ tag: 'unverified', stateDir: join(work, 'unverified'), host: proxy.host });
      expect(first.status).toBe('published');
      const tagPuts = (): number => proxy.requests().filter((r) => r.method === 'PUT' && /\/manifests\/unverified(-amd64|-arm64v8)?$/.test(r.path)).length;
      const putsBefore = tagPuts();
      expect(putsBefore).toBeGreaterThan(0);
      // once the index is pushed, the registry stops serving manifests by digest (it lost them)
      const report = await run({
        tag: 'unverified',
        stateDir: join(work, 'unverified'),
        host: proxy.host,
        emit: (e) => {
          if (e.type === 'phase' && e.subject === 'index' && e.phase === 'verify') proxy.setScript(['GET', 'HEAD'].map((method) => ({ method, path: /\/manifests\/sha256:/, fault: { kind: 'status', status: 404 }, times: Infinity })));
        },
      });
      expect(proxy.injected()).toBeGreaterThan(0);
      proxy.setScript([]);
      expect(report.status).toBe('failed');
      expect(report.error?.code).toBe('VERIFY_FAILED');
      expect(await currentDigest(`${proxy.host}/${REPOSITORY}:unverified`)).toBe(first.digest);
      for (const arch of first.arches) expect(await currentDigest(arch.target)).toBe(arch.digest);
      // the failed run sent no request that moves a published tag
      expect(tagPuts()).toBe(putsBefore);
    } finally {
      await proxy.stop();
    }
  });

  it('cancelled after every arch was pushed but before the tags move: nothing moves', async () => {
    const first = await run({ tag: 'late-cancel', stateDir: join(work, 'late') });
    const controller = new AbortController();
    const report = await run({
      tag: 'late-cancel',
      stateDir: join(work, 'late'),
      signal: controller.signal,
      emit: (e) => {
        if (e.type === 'phase' && e.subject === 'index' && e.phase === 'verify') controller.abort(new Error('SIGINT'));
      },
    });
    expect(report.status).toBe('cancelled');
    expect(await currentDigest(`${registry.host}/${REPOSITORY}:late-cancel`)).toBe(first.digest);
    for (const arch of first.arches) expect(await currentDigest(arch.target)).toBe(arch.digest);
    // the run-scoped tags it pushed are reported, for the lifecycle rule to expire
    expect(report.runTagsLeft?.every((t) => t.includes(`:run-${report.runId ?? '?'}-`))).toBe(true);
  });
});
