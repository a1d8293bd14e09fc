import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { redactConfig } from '../../../src/config/redact.js';
import { layerFrom } from '../../../src/config/sources.js';
import { parseDuration } from '../../../src/config/duration.js';
import { ConfigError } from '../../../src/errors.js';

async function file(text: string, name = 'multiarch.yaml'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'multiarch-config-'));
  await writeFile(join(dir, name), text);
  return join(dir, name);
}

describe('loadConfig', () => {
  it('takes flags over environment over file over defaults', async () => {
    const path = await file('registry: file.example:5000\ntag: from-file\nrepository: from-file\narches: [amd64]\ntimeouts:\n  build: 20m\n');
    const { config, origins } = await loadConfig({
      file: path,
      env: { IMAGE_TAG: 'from-env', IMAGE_REPO_NAME: 'from-env' },
      flags: layerFrom({ tag: ['from-flag', '--tag'] }),
    });
    expect(config.tag).toBe('from-flag');
    expect(config.repository).toBe('from-env');
    expect(config.registry).toBe('file.example:5000');
    expect(config.arches).toEqual(['amd64']);
    expect(config.timeouts.build).toBe(1_200_000);
    expect(config.timeouts.push).toBe(900_000);
    expect(origins['tag']).toBe('--tag');
    expect(origins['repository']).toBe('IMAGE_REPO_NAME');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('keeps the original variables: IMAGE_ARCH in its arm64v8 spelling, ECR registry from account and region', async () => {
    const { config } = await loadConfig({ env: { IMAGE_ARCH: 'arm64v8', AWS_ACCOUNT_ID: '123456789012', AWS_DEFAULT_REGION: 'eu-west-1' } });
    expect(config.arches).toEqual(['arm64']);
    expect(config.registry).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com');
    expect(config.builders.arm64).toEqual({ type: 'local' });
  });

  it('parses builder specs per arch', async () => {
    const { config } = await loadConfig({
      env: { MULTIARCH_REGISTRY: 'r:5000', MULTIARCH_BUILDERS: 'arm64=codebuild,amd64=ssh://me@builder' },
      flags: layerFrom({ 'codebuild.endpoint': ['http://127.0.0.1:9', '--codebuild-endpoint'] }),
    });
    expect(config.builders).toEqual({ amd64: { type: 'remote', host: 'ssh://me@builder' }, arm64: { type: 'codebuild' } });
  });

  it.each([
    [{ IMAGE_TAG: 'bad tag' }, /^config: tag: .*\(from IMAGE_TAG\)$/],
    [{ IMAGE_ARCH: 'riscv64' }, /^config: arches: unknown architecture "riscv64".*\(from IMAGE_ARCH\)$/],
    [{ AWS_ACCOUNT_ID: '12' }, /^config: accountId: must be a 12-digit AWS account id \(from AWS_ACCOUNT_ID\)$/],
    [{ MULTIARCH_BUILDERS: 'arm64=kubernetes' }, /^config: builders\.arm64.*\(from MULTIARCH_BUILDERS\)$/],
    [{}, /^config: registry: required/],
  ])('rejects %o with one line naming the field', async (env, message) => {
    const base = Object.keys(env).length === 0 ? {} : { MULTIARCH_REGISTRY: 'r:5000' };
    const error = await loadConfig({ env: { ...base, ...env } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('names the file field and rejects unknown fields', async () => {
    const path = await file('registry: r:5000\ntimeouts:\n  build: soon\n');
    await expect(loadConfig({ file: path })).rejects.toThrow(/^config: timeouts\.build: .*soon.*\(from .*multiarch\.yaml: timeouts\.build\)$/);
    const typo = await file('{"registry": "r:5000", "tagg": "x"}', 'c.json');
    await expect(loadConfig({ file: typo })).rejects.toThrow(/unknown field tagg/);
  });

  it('never prints secrets', async () => {
    const { config } = await loadConfig({ env: { MULTIARCH_REGISTRY: 'r:5000', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI', AWS_SESSION_TOKEN: 'tok3n' } });
    expect(config.credentials?.secretAccessKey).toBe('wJalrXUtnFEMI');
    const printed = JSON.stringify(redactConfig(config));
    expect(printed).not.toContain('wJalrXUtnFEMI');
    expect(printed).not.toContain('tok3n');
    expect(printed).toContain('AKIDEXAMPLE');
    expect(printed).toContain('"build":"1h"');
  });
});

describe('parseDuration', () => {
  it('reads the forms people write', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration(5)).toBe(5_000);
    expect(() => parseDuration('5 minutes', 'timeouts.build')).toThrow(/^timeouts\.build: /);
  });
});
