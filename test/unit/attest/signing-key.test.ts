import { execa } from 'execa';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureSigningKey } from '../../../src/attest/signing-key.js';
import { ConfigError, HostSetupError } from '../../../src/errors.js';

beforeAll(async () => {
  const found = await execa('cosign', ['version'], { reject: false });
  if (found.exitCode !== 0) throw new Error('cosign is not installed: run scripts/setup-host.sh (installs cosign 2.5 from Debian trixie)');
});

const dirs: string[] = [];
async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'multiarch-key-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Signs and verifies a blob with the pair through cosign: the pair really is a pair. */
async function signVerify(privateKeyPath: string, publicKeyPath: string, password: string, dir: string): Promise<number> {
  const blob = join(dir, 'blob.txt');
  await writeFile(blob, 'hello');
  const signed = await execa('cosign', ['sign-blob', '--key', privateKeyPath, '--tlog-upload=false', '--yes', '--output-signature', join(dir, 'blob.sig'), blob], { env: { COSIGN_PASSWORD: password }, reject: false });
  if (signed.exitCode !== 0) return signed.exitCode ?? 1;
  const verified = await execa('cosign', ['verify-blob', '--key', publicKeyPath, '--insecure-ignore-tlog=true', '--signature', join(dir, 'blob.sig'), blob], { reject: false });
  return verified.exitCode ?? 1;
}

describe('ensureSigningKey', () => {
  it('generates a working pair once, private key 0600, then reuses it unchanged', async () => {
    const dir = await stateDir();
    const first = await ensureSigningKey(dir);
    expect(first).toMatchObject({ privateKeyPath: join(dir, 'signing', 'cosign.key'), publicKeyPath: join(dir, 'signing', 'cosign.pub'), created: true, password: '' });
    expect((await stat(first.privateKeyPath)).mode & 0o777).toBe(0o600);
    expect(await readFile(first.publicKeyPath, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const pub = await readFile(first.publicKeyPath, 'utf8');
    const second = await ensureSigningKey(dir);
    expect(second.created).toBe(false);
    expect(await readFile(second.publicKeyPath, 'utf8')).toBe(pub);
    expect(await signVerify(first.privateKeyPath, first.publicKeyPath, '', dir)).toBe(0);
  });

  it('restores 0600 on a private key whose mode was widened', async () => {
    const dir = await stateDir();
    const pair = await ensureSigningKey(dir);
    await chmod(pair.privateKeyPath, 0o644);
    await ensureSigningKey(dir);
    expect((await stat(pair.privateKeyPath)).mode & 0o777).toBe(0o600);
  });

  it('encrypts with the given password: the key signs with it and not without it', async () => {
    const dir = await stateDir();
    const pair = await ensureSigningKey(dir, { password: 'correct horse' });
    expect(await signVerify(pair.privateKeyPath, pair.publicKeyPath, 'correct horse', dir)).toBe(0);
    expect(await signVerify(pair.privateKeyPath, pair.publicKeyPath, '', dir)).not.toBe(0);
  });

  it('concurrent callers end with one pair and no scratch directories', async () => {
    const dir = await stateDir();
    const results = await Promise.all([ensureSigningKey(dir), ensureSigningKey(dir), ensureSigningKey(dir)]);
    const pubs = await Promise.all(results.map((r) => readFile(r.publicKeyPath, 'utf8')));
    expect(new Set(pubs).size).toBe(1);
    expect(await readdir(dir)).toEqual(['signing']);
  });

  it('half a pair is a ConfigError naming the directory, and nothing is overwritten', async () => {
    const dir = await stateDir();
    await mkdir(join(dir, 'signing'));
    await writeFile(join(dir, 'signing', 'cosign.pub'), 'old');
    await expect(ensureSigningKey(dir)).rejects.toThrow(ConfigError);
    await expect(ensureSigningKey(dir)).rejects.toThrow(/holds only cosign\.pub/);
    expect(await readFile(join(dir, 'signing', 'cosign.pub'), 'utf8')).toBe('old');
  });

  it('a missing cosign is a HostSetupError that says how to install it', async () => {
    const dir = await stateDir();
    await expect(ensureSigningKey(dir, { cosign: { bin: join(dir, 'no-cosign') } })).rejects.toThrow(HostSetupError);
    await expect(ensureSigningKey(dir, { cosign: { bin: join(dir, 'no-cosign') } })).rejects.toThrow(/run scripts\/setup-host\.sh/);
  });
});
