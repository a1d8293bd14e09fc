import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HelperRunner } from '../../../src/registry/auth/credential-helper.js';
import { createDockerConfigResolver, hostnameOfKey } from '../../../src/registry/auth/docker-config.js';

describe('Docker config credential resolution', () => {
  let dir: string;
  const calls: string[] = [];
  const runner: HelperRunner = async (program, server) => {
    calls.push(`${program} ${server}`);
    if (program === 'docker-credential-store' && server === 'stored.example') return { exitCode: 0, stdout: JSON.stringify({ ServerURL: server, Username: 'u', Secret: 'from-store' }), stderr: '' };
    if (program === 'docker-credential-pass') return { exitCode: 0, stdout: JSON.stringify({ ServerURL: server, Username: '<token>', Secret: 'refresh' }), stderr: '' };
    if (program === 'docker-credential-broken') return { exitCode: 1, stdout: '', stderr: 'keychain locked\nmore' };
    return { exitCode: 1, stdout: 'credentials not found in native keychain', stderr: '' };
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docker-config-'));
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw').toString('base64') },
          'http://plain.example:5000/v2/': { auth: Buffer.from('p:q:r').toString('base64') },
          'idt.example': { identitytoken: 'tok', auth: Buffer.from('x:').toString('base64') },
          'rt.example': { registrytoken: 'raw' },
        },
        credHelpers: { 'helper.example': 'pass', 'broken.example': 'broken' },
        credsStore: 'store',
      }),
    );
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('normalises auths keys to host[:port]', () => {
    expect(hostnameOfKey('https://index.docker.io/v1/')).toBe('index.docker.io');
    expect(hostnameOfKey('http://plain.example:5000/v2/')).toBe('plain.example:5000');
  });

  it('follows Docker’s order: credHelpers, credsStore, auths, and says where each came from', async () => {
    const resolver = createDockerConfigResolver({ configDir: dir, helperRunner: runner });
    const file = join(dir, 'config.json');
    expect(await resolver.resolve('helper.example')).toEqual({ identityToken: 'refresh', source: 'credential helper docker-credential-pass' });
    expect(await resolver.resolve('stored.example')).toEqual({ username: 'u', password: 'from-store', source: 'credential helper docker-credential-store' });
    expect(await resolver.resolve('docker.io')).toEqual({ username: 'hub', password: 'pw', source: `auths entry "https://index.docker.io/v1/" in ${file}` });
    expect(calls).toContain('docker-credential-store https://index.docker.io/v1/');
    expect(await resolver.resolve('plain.example:5000')).toEqual({ username: 'p', password: 'q:r', source: `auths entry "http://plain.example:5000/v2/" in ${file}` });
    expect(await resolver.resolve('idt.example')).toEqual({ username: 'x', identityToken: 'tok', source: `auths entry "idt.example" in ${file}` });
    expect(await resolver.resolve('rt.example')).toEqual({ registryToken: 'raw', source: `auths entry "rt.example" in ${file}` });
    expect(await resolver.resolve('nowhere.example')).toBeUndefined();
  });

  it('reports a failing helper in one line', async () => {
    const resolver = createDockerConfigResolver({ configDir: dir, helperRunner: runner });
    await expect(resolver.resolve('broken.example')).rejects.toThrow(/^credential helper docker-credential-broken failed for broken.example: keychain locked$/);
  });

  it('treats a missing config as empty and a broken one as a CONFIG error', async () => {
    expect(await createDockerConfigResolver({ configDir: join(dir, 'none') }).resolve('x')).toBeUndefined();
    const bad = await mkdtemp(join(tmpdir(), 'docker-config-bad-'));
    await writeFile(join(bad, 'config.json'), '{nope');
    await expect(createDockerConfigResolver({ configDir: bad }).resolve('x')).rejects.toMatchObject({ code: 'CONFIG' });
    await writeFile(join(bad, 'config.json'), JSON.stringify({ auths: { 'x.example': { auth: 42 } } }));
    await expect(createDockerConfigResolver({ configDir: bad }).resolve('x.example')).rejects.toThrow(/^Docker config .*config\.json is malformed: .*expected string, received number$/);
    await rm(bad, { recursive: true, force: true });
  });
});
