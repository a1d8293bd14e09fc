import { describe, expect, it } from 'vitest';
import { BUILD_TYPE, buildProvenance, provenanceCommit, type ProvenanceInput } from '../../../src/attest/provenance.js';
import { BadInputError } from '../../../src/errors.js';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const BASE: ProvenanceInput = {
  platform: 'linux/arm64/v8',
  source: { repository: 'https://github.com/example/repo.git', commit: COMMIT, ref: 'refs/heads/main' },
  builder: { kind: 'local-docker', engineVersion: '20.10.24' },
  dockerfile: { path: 'image/Dockerfile', sha256: 'f'.repeat(64) },
  buildArgs: { VERSION: '0.1.0', REVISION: COMMIT, BASE_IMAGE: 'multiarch-base:trixie-arm64' },
  baseImage: { reference: 'multiarch-base:trixie-arm64', digest: `sha256:${'e'.repeat(64)}` },
  startedOn: new Date('2026-01-01T10:00:00Z'),
  finishedOn: new Date('2026-01-01T10:12:00Z'),
};

describe('buildProvenance', () => {
  it('records source, builder, Dockerfile, build args, base image digest and times', () => {
    const p = buildProvenance(BASE);
    expect(p.buildDefinition.buildType).toBe(BUILD_TYPE);
    expect(p.buildDefinition.externalParameters).toEqual({
      platform: 'linux/arm64/v8',
      dockerfile: 'image/Dockerfile',
      buildArgs: { BASE_IMAGE: 'multiarch-base:trixie-arm64', REVISION: COMMIT, VERSION: '0.1.0' },
      source: { repository: 'https://github.com/example/repo.git', ref: 'refs/heads/main', commit: COMMIT },
    });
    expect(p.buildDefinition.resolvedDependencies).toEqual([
      { uri: 'git+https://github.com/example/repo.git@refs/heads/main', digest: { gitCommit: COMMIT } },
      { uri: 'pkg:docker/multiarch-base:trixie-arm64?platform=linux%2Farm64%2Fv8', digest: { sha256: 'e'.repeat(64) } },
    ]);
    expect(p.buildDefinition.internalParameters).toEqual({ builderKind: 'local-docker', dockerfileSha256: 'f'.repeat(64) });
    expect(p.runDetails).toEqual({ builder: { id: expect.stringContaining('#builder-local-docker') as string, version: { docker: '20.10.24' } }, metadata: { startedOn: '2026-01-01T10:00:00.000Z', finishedOn: '2026-01-01T10:12:00.000Z' } });
    expect(provenanceCommit(p)).toBe(COMMIT);
  });

  it('names a CodeBuild build by project ARN (builder id) and build id (invocation)', () => {
    const p = buildProvenance({ ...BASE, builder: { kind: 'codebuild', projectArn: 'arn:aws:codebuild:eu-west-1:123456789012:project/multiarch-arm64', buildId: 'multiarch-arm64:5c6e4a9e-0000-4000-8000-000000000000' } });
    expect(p.runDetails.builder).toEqual({ id: 'arn:aws:codebuild:eu-west-1:123456789012:project/multiarch-arm64' });
    expect(p.runDetails.metadata.invocationId).toBe('multiarch-arm64:5c6e4a9e-0000-4000-8000-000000000000');
  });

  it('records a remote engine by its host', () => {
    const p = buildProvenance({ ...BASE, builder: { kind: 'remote-docker', host: 'ssh://builder@arm-host' } });
    expect(p.runDetails.builder.id).toContain('#builder-remote-docker');
    expect(p.buildDefinition.internalParameters).toMatchObject({ builderKind: 'remote-docker', dockerHost: 'ssh://builder@arm-host' });
  });

  it('invents nothing: no remote → no source URI; no commit → no source dependency at all', () => {
    const local = buildProvenance({ ...BASE, source: { commit: COMMIT } });
    expect(local.buildDefinition.resolvedDependencies[0]).toEqual({ name: 'source', digest: { gitCommit: COMMIT } });
    const none = buildProvenance({ ...BASE, source: {}, baseImage: undefined });
    expect(none.buildDefinition.resolvedDependencies).toEqual([]);
    expect(none.buildDefinition.externalParameters).not.toHaveProperty('source');
    expect(provenanceCommit(none)).toBeUndefined();
  });

  it('marks a dirty tree on the source dependency', () => {
    expect(buildProvenance({ ...BASE, source: { ...BASE.source, dirty: true } }).buildDefinition.resolvedDependencies[0]?.annotations).toEqual({ dirty: 'true' });
  });

  it('rejects bad input in one line naming the field', () => {
    const cases: Array<[Partial<ProvenanceInput>, RegExp]> = [
      [{ source: { commit: 'abc123' } }, /^invalid provenance input: source\.commit: /],
      [{ baseImage: { digest: 'sha512:00' } }, /^invalid provenance input: baseImage\.digest: /],
      [{ finishedOn: new Date('2025-12-31T00:00:00Z') }, /^invalid provenance input: finishedOn: finishedOn is before startedOn$/],
      [{ builder: { kind: 'codebuild', projectArn: 'multiarch-arm64', buildId: 'x' } }, /^invalid provenance input: builder\.projectArn: /],
    ];
    for (const [patch, message] of cases) {
      let error: unknown;
      try {
        buildProvenance({ ...BASE, ...patch });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(BadInputError);
      expect((error as Error).message).toMatch(message);
    }
  });
});
