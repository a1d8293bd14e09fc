import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/load-config.js';
import { formatPlan, planPipeline } from '../../../src/pipeline/plan.js';
import { Backoff, isThrottling } from '../../../src/builders/codebuild-backoff.js';

describe('planPipeline', () => {
  it('derives per-arch tags, projects and log files from the config alone', () => {
    const config = resolveConfig({ registry: '127.0.0.1:5000', tag: 'v1', accountId: '123456789012', builders: { arm64: 'codebuild' } });
    const plan = planPipeline(config, { productContextDir: '/pkg/image', runId: 'run1' });
    expect(plan.target).toBe('127.0.0.1:5000/multi-arch-test:v1');
    expect(plan.product).toBe(true);
    expect(plan.dockerfile).toBe('/pkg/image/Dockerfile');
    expect(plan.arches).toEqual([
      expect.objectContaining({ arch: 'amd64', localTag: 'multi-arch-test:v1-amd64', target: '127.0.0.1:5000/multi-arch-test:v1-amd64', logFile: '.multiarch/logs/run1/amd64.log' }),
      expect.objectContaining({ arch: 'arm64', target: '127.0.0.1:5000/multi-arch-test:v1-arm64v8', project: 'multi-arch-test-arm64' }),
    ]);
    expect(formatPlan(plan)).toContain('arm64: build on codebuild project multi-arch-test-arm64 (IMAGE_ARCH=arm64v8) → smoke test in the build');
  });

  it('pushes each arch under a tag only this run writes, and publishes the real tags last', () => {
    const config = resolveConfig({ registry: '127.0.0.1:5000', tag: 'v1' });
    const plan = planPipeline(config, { productContextDir: '/pkg/image', runId: '20261201T054859Z-3fa9c1' });
    expect(plan.arches.map((a) => a.runTarget)).toEqual([
      '127.0.0.1:5000/multi-arch-test:run-20261201T054859Z-3fa9c1-amd64',
      '127.0.0.1:5000/multi-arch-test:run-20261201T054859Z-3fa9c1-arm64v8',
    ]);
    expect(formatPlan(plan)).toMatch(/publish: index by digest → verify .* → move v1-amd64, v1-arm64v8, then v1/);
  });

  it('takes an absolute Dockerfile as given and a relative one under the context', () => {
    const abs = planPipeline(resolveConfig({ registry: 'r:5000', build: { context: '/ctx', dockerfile: '/elsewhere/Dockerfile' } }), { productContextDir: '/pkg/image', runId: 'r' });
    expect(abs.dockerfile).toBe('/elsewhere/Dockerfile');
    const rel = planPipeline(resolveConfig({ registry: 'r:5000', build: { context: '/ctx', dockerfile: 'sub/Dockerfile' } }), { productContextDir: '/pkg/image', runId: 'r' });
    expect(rel.dockerfile).toBe('/ctx/sub/Dockerfile');
  });
});

describe('CodeBuild polling backoff', () => {
  it('grows on quiet polls, doubles on throttling, caps, and resets', () => {
    const b = new Backoff(1_000, 8_000, () => 0.5);
    expect(b.next(false)).toBe(1_500);
    expect(b.next(true)).toBe(3_000);
    expect(b.next(true)).toBe(6_000);
    expect(b.next(true)).toBe(8_000);
    b.reset();
    expect(b.jittered()).toBe(1_000);
  });

  it('recognises throttling errors by name or SDK flag', () => {
    expect(isThrottling(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))).toBe(true);
    expect(isThrottling({ name: 'X', $retryable: { throttling: true } })).toBe(true);
    expect(isThrottling(new Error('boom'))).toBe(false);
  });
});
