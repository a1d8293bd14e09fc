import { describe, expect, it } from 'vitest';
import { formatReport, type PipelineReport } from '../../../src/pipeline/report.js';

const digest = `sha256:${'a'.repeat(64)}`;

function report(overrides: Partial<PipelineReport> = {}): PipelineReport {
  return {
    target: '127.0.0.1:5000/app:latest',
    status: 'published',
    digest,
    indexMs: 120,
    durationMs: 21_100,
    arches: [
      { arch: 'amd64', builder: 'docker (local)', status: 'published', target: '127.0.0.1:5000/app:latest-amd64', digest, sizeBytes: 450 * 1024 * 1024, steps: { build: 400, 'smoke-test': 2300, push: 100 }, durationMs: 2900 },
      { arch: 'arm64', builder: 'docker (local)', status: 'published', target: '127.0.0.1:5000/app:latest-arm64v8', steps: {}, durationMs: 21_000 },
    ],
    ...overrides,
  };
}

describe('formatReport', () => {
  it('tabulates each arch with the shared size and duration units', () => {
    const lines = formatReport(report()).split('\n');
    expect(lines[0]).toMatch(/^ARCH\s+BUILDER\s+STATUS\s+DIGEST\s+SIZE\s+BUILD\s+SMOKE\s+PUSH\s+TOTAL$/);
    expect(lines[1]).toMatch(/^-+\s+-+/);
    expect(lines[2]).toMatch(/^amd64\s+docker \(local\)\s+published\s+sha256:aaaaaaaaaaaa\s+450 MiB\s+400 ms\s+2\.3 s\s+100 ms\s+2\.9 s$/);
    expect(lines[3]).toMatch(/^arm64\s+docker \(local\)\s+published\s+-\s+-\s+-\s+-\s+-\s+21\.0 s$/);
    expect(lines.at(-1)).toBe(`published 127.0.0.1:5000/app:latest@${digest} in 21.1 s (index 120 ms)`);
  });

  it('says the tag was not moved, and where the logs are, when the run failed', () => {
    const failed = report({ status: 'failed', digest: undefined, previousDigest: digest, error: { code: 'TEST_FAILED', message: 'smoke test failed' } });
    failed.arches[1] = { ...failed.arches[1], status: 'failed', logFile: '/tmp/logs/arm64.log' } as PipelineReport['arches'][number];
    const text = formatReport(failed);
    expect(text).toContain(`failed: 127.0.0.1:5000/app:latest not moved (still ${digest}); smoke test failed`);
    expect(text).toContain('  arm64 log: /tmp/logs/arm64.log');
  });
});
