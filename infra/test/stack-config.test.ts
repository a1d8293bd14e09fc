import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { parseSourceSpec, PLACEHOLDER_SOURCE, resolveStackConfig } from '../lib/stack-config.js';

describe('resolveStackConfig', () => {
  it('defaults to the original pipeline: multi-arch-test, tag latest, created repository, ECR Public base, weekly rebuild', () => {
    const config = resolveStackConfig({});
    expect(config).toEqual({
      account: undefined,
      // No region given: the template is environment-agnostic (the CDK convention), see app-synth.
      region: undefined,
      repositoryName: 'multi-arch-test',
      existingRepository: false,
      baseImage: 'public.ecr.aws/docker/library/debian:trixie-slim',
      baseDigest: undefined,
      schedule: 'rate(7 days)',
      tag: 'latest',
      source: PLACEHOLDER_SOURCE,
      sourceIsPlaceholder: true,
      batch: false,
      logRetentionDays: 30,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads context strings: batch, retention, a short source', () => {
    const config = resolveStackConfig({ account: '123456789012', batch: 'true', logRetentionDays: '90', source: 's3://bucket-a/k/source.zip' });
    expect(config).toMatchObject({ account: '123456789012', batch: true, logRetentionDays: 90, sourceIsPlaceholder: false, source: { kind: 's3', bucket: 'bucket-a', key: 'k/source.zip' } });
  });

  it.each([
    ['off', undefined],
    ['false', undefined],
    ['weekly', 'rate(7 days)'],
    ['daily', 'rate(1 day)'],
    ['rate(3 days)', 'rate(3 days)'],
    ['cron(0 4 ? * SUN *)', 'cron(0 4 ? * SUN *)'],
  ])('schedule %j → %j', (schedule, expected) => {
    expect(resolveStackConfig({ schedule }).schedule).toBe(expected);
  });

  it('reads existing-repository mode and a pinned base', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(resolveStackConfig({ existingRepository: 'true', baseImage: 'mirror.example.com/debian:trixie-slim', baseDigest: digest })).toMatchObject({
      existingRepository: true,
      baseImage: 'mirror.example.com/debian:trixie-slim',
      baseDigest: digest,
    });
  });

  it.each([
    [{ account: '1234' }, /"account": twelve digits/],
    [{ schedule: 'every tuesday' }, /"schedule": off, weekly/],
    [{ baseDigest: 'sha256:abc' }, /"baseDigest"/],
    [{ baseImage: 'Debian Trixie' }, /"baseImage"/],
    [{ existingRepository: 'maybe' }, /"existingRepository"/],
    [{ region: 'moon-1' }, /"region"/],
    [{ repositoryName: 'Multi' }, /"repositoryName"/],
    [{ repositoryName: 'ns/multi' }, /"repositoryName".*no "\/"/],
    [{ tag: '-bad' }, /"tag"/],
    [{ batch: 'yes' }, /"batch"/],
    [{ logRetentionDays: '10' }, /"logRetentionDays": one of 1, 3/],
    [{ source: { kind: 'github', owner: 'a b', repo: 'r', branch: 'main' } }, /"source.owner"/],
  ] as const)('rejects %o with one line naming the setting', (input, message) => {
    expect(() => resolveStackConfig(input as never)).toThrow(ConfigError);
    expect(() => resolveStackConfig(input as never)).toThrow(message);
  });
});

describe('parseSourceSpec', () => {
  it.each([
    ['github:acme/puppeteer-multiarch', { kind: 'github', owner: 'acme', repo: 'puppeteer-multiarch', branch: 'main' }],
    ['github:acme/puppeteer-multiarch@release/2', { kind: 'github', owner: 'acme', repo: 'puppeteer-multiarch', branch: 'release/2' }],
    ['codecommit:multi-arch-src', { kind: 'codecommit', repositoryName: 'multi-arch-src', branch: 'main' }],
    ['codecommit:multi-arch-src@dev', { kind: 'codecommit', repositoryName: 'multi-arch-src', branch: 'dev' }],
    ['s3://my-bucket/path/to/source.zip', { kind: 's3', bucket: 'my-bucket', key: 'path/to/source.zip' }],
  ])('%s', (spec, expected) => {
    expect(parseSourceSpec(spec)).toEqual(expected);
  });

  it.each(['github:acme', 's3://bucket-only', 'https://github.com/acme/x', ''])('rejects %j', (spec) => {
    expect(() => parseSourceSpec(spec)).toThrow(ConfigError);
  });
});
