import { execa } from 'execa';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIndex } from '../../../src/registry-verbs/create-index.js';
import { resolveDigest } from '../../../src/registry-verbs/resolve-digest.js';
import { staticCredentials } from '../../../src/registry/auth/credentials.js';
import { createDefaultCredentialResolver } from '../../../src/registry/auth/default-resolver.js';
import { createEcrCredentialResolver } from '../../../src/registry/auth/ecr.js';
import { RegistryClient } from '../../../src/registry/client.js';
import type { AuthError } from '../../../src/registry/errors.js';
import { startLocalEcr, type LocalEcr } from '../../support/aws-local/ecr-server.js';
import { startTestRegistry, type TestRegistry } from '../../support/registry.js';
import { runCli } from '../../support/run-cli.js';
import { pushRandomImage } from '../../support/synthetic-image.js';
import { startTokenServer, type TokenServer } from '../../support/token-server.js';

const USER = { username: 'AWS', password: 's3cret-pass' };

async function seed(registry: TestRegistry, repository = 'app'): Promise<void> {
  const client = new RegistryClient({ registry: registry.host, credentials: staticCredentials({ [registry.host]: USER }) });
  await pushRandomImage(client, repository, 'latest-amd64', { architecture: 'amd64' });
  await pushRandomImage(client, repository, 'latest-arm64v8', { architecture: 'arm64' });
  await client.close();
}

describe('basic auth (htpasswd registry)', () => {
  let registry: TestRegistry;
  let dir: string;
  const savedEnv = { ...process.env };
  beforeAll(async () => {
    registry = await startTestRegistry({ basicAuth: USER });
    await seed(registry);
    dir = await mkdtemp(join(tmpdir(), 'multiarch-auth-'));
  });
  afterAll(async () => {
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    process.env = { ...savedEnv };
  });

  it('fails with AUTH and a hint when no credentials are found', async () => {
    const error = await createIndex({ target: `${registry.host}/app:latest`, sources: [`${registry.host}/app:latest-amd64`] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as AuthError).code).toBe('AUTH');
    expect((error as Error).message).toContain(`no credentials found for ${registry.host}`);
  });

  it('reads `auths` from $DOCKER_CONFIG/config.json through the CLI', async () => {
    const configDir = join(dir, 'auths');
    await execa('mkdir', ['-p', configDir]);
    await writeFile(join(configDir, 'config.json'), JSON.stringify({ auths: { [`http://${registry.host}`]: { auth: Buffer.from(`${USER.username}:${USER.password}`).toString('base64') } } }));
    process.env['DOCKER_CONFIG'] = configDir;
    const result = await runCli(['index', 'create', `${registry.host}/app:latest`, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).manifests).toHaveLength(2);
  });

  it('rejects a wrong password with exit code 5', async () => {
    const configDir = join(dir, 'wrong');
    await execa('mkdir', ['-p', configDir]);
    await writeFile(join(configDir, 'config.json'), JSON.stringify({ auths: { [registry.host]: { username: 'AWS', password: 'nope' } } }));
    process.env['DOCKER_CONFIG'] = configDir;
    const result = await runCli(['index', 'create', `${registry.host}/app:latest`]);
    expect(result.code).toBe(5);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    // says the stored credentials were refused, whose, and where they came from (never the password)
    expect(result.stderr).toContain(`${registry.host} rejected the stored credentials, user "AWS" from auths entry "${registry.host}" in ${join(configDir, 'config.json')}`);
    expect(result.stderr).toContain(`docker login ${registry.host}`);
    expect(result.stderr).not.toContain('nope');
    expect(result.stderr).not.toMatch(/access denied/);
  });

  it('asks a credential helper named in credHelpers (docker-credential-<name> get)', async () => {
    const bin = join(dir, 'bin');
    await execa('mkdir', ['-p', bin]);
    const helper = join(bin, 'docker-credential-multiarchtest');
    await writeFile(helper, `#!/bin/sh\nread server\n[ "$1" = get ] && [ "$server" = "${registry.host}" ] || { echo "credentials not found in native keychain"; exit 1; }\necho '{"ServerURL":"'$server'","Username":"${USER.username}","Secret":"${USER.password}"}'\n`);
    await chmod(helper, 0o755);
    const configDir = join(dir, 'helper');
    await execa('mkdir', ['-p', configDir]);
    await writeFile(join(configDir, 'config.json'), JSON.stringify({ credHelpers: { [registry.host]: 'multiarchtest' } }));
    process.env['PATH'] = `${bin}:${savedEnv['PATH'] ?? ''}`;
    const credentials = createDefaultCredentialResolver({ dockerConfigDir: configDir });
    const resolved = await resolveDigest(`${registry.host}/app:latest-amd64`, { credentials });
    expect(resolved.digest).toMatch(/^sha256:/);
  });
});

describe('bearer token flow (token server in front of the registry)', () => {
  let registry: TestRegistry;
  let tokens: TokenServer;
  beforeAll(async () => {
    registry = await startTestRegistry({ basicAuth: USER });
    await seed(registry);
    await seed(registry, 'other/src');
    tokens = await startTokenServer({
      upstream: registry.url,
      upstreamAuth: USER,
      users: { alice: 'wonderland', reader: 'pw' },
      identityTokens: { 'refresh-abc': 'alice' },
      grant: (user, atom) => user === 'alice' || (user === 'reader' && atom.endsWith(':pull')),
    });
  });
  afterAll(async () => {
    await tokens.stop();
    await registry.stop();
  });

  it('answers the challenge with one token for every declared scope, cross-repo mount included', async () => {
    const credentials = staticCredentials({ [tokens.host]: { username: 'alice', password: 'wonderland' } });
    const before = tokens.tokenRequests().length;
    const result = await createIndex({ target: `${tokens.host}/app:multi`, sources: [`${tokens.host}/app:latest-amd64`, `${tokens.host}/other/src:latest-arm64v8`], credentials });
    expect(result.copied).toHaveLength(1);
    const requests = tokens.tokenRequests().slice(before);
    expect(requests).toHaveLength(1);
    expect([...(requests[0]?.requested ?? [])].sort()).toEqual(['repository:app:pull', 'repository:app:push', 'repository:other/src:pull']);
    expect(registry.accessLog().some((l) => l.includes('POST /v2/app/blobs/uploads/?mount=') && l.includes('from=other%2Fsrc') && l.includes('" 201 '))).toBe(true);
    expect((await resolveDigest(`${tokens.host}/app:multi`, { credentials })).digest).toBe(result.digest);
  });

  it('uses an identity token through the OAuth2 refresh_token grant', async () => {
    const credentials = staticCredentials({ [tokens.host]: { identityToken: 'refresh-abc' } });
    await createIndex({ target: `${tokens.host}/app:identity`, sources: [`${tokens.host}/app:latest-amd64`], credentials });
    expect(tokens.tokenRequests().at(-1)).toMatchObject({ method: 'POST', user: 'alice' });
  });

  it('re-authenticates once when a cached token is rejected', async () => {
    const client = new RegistryClient({ registry: tokens.host, credentials: staticCredentials({ [tokens.host]: { username: 'alice', password: 'wonderland' } }) });
    await client.headManifest('app', 'latest-amd64');
    const before = tokens.tokenRequests().length;
    tokens.revokeTokens();
    expect(await client.headManifest('app', 'latest-amd64')).toBeDefined();
    expect(tokens.tokenRequests().length).toBe(before + 1);
    await client.close();
  });

  it('fails with AUTH and leaves the tag alone when push is not granted', async () => {
    const credentials = staticCredentials({ [tokens.host]: { username: 'reader', password: 'pw' } });
    const error = await createIndex({ target: `${tokens.host}/app:denied`, sources: [`${tokens.host}/app:latest-amd64`], credentials }).catch((e: unknown) => e);
    expect((error as AuthError).code).toBe('AUTH');
    const direct = new RegistryClient({ registry: registry.host, credentials: staticCredentials({ [registry.host]: USER }) });
    expect(await direct.headManifest('app', 'denied')).toBeUndefined();
    await direct.close();
  });

  it('refuses bad credentials at the token endpoint, naming whose and where from', async () => {
    const credentials = staticCredentials({ [tokens.host]: { username: 'alice', password: 'wrong', source: 'the test' } });
    const error = await resolveDigest(`${tokens.host}/app:latest-amd64`, { credentials }).catch((e: unknown) => e);
    expect((error as AuthError).code).toBe('AUTH');
    expect((error as Error).message).toContain('was refused (401): it rejected the stored credentials, user "alice" from the test');
    expect((error as Error).message).not.toContain('wrong');
  });

  it('without credentials says none were found, not "access denied" (anonymous token, no grant)', async () => {
    const error = await resolveDigest(`${tokens.host}/app:latest-amd64`).catch((e: unknown) => e);
    expect((error as AuthError).code).toBe('AUTH');
    expect((error as Error).message).toContain(`no credentials found for ${tokens.host}`);
    expect((error as Error).message).not.toMatch(/access denied/);
    // through the CLI: exit 5, one line
    const result = await runCli(['index', 'inspect', `${tokens.host}/app:latest-amd64`], { DOCKER_CONFIG: join(tmpdir(), 'multiarch-no-docker-config') });
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(new RegExp(`^multiarch: error: .*no credentials found for ${tokens.host.replace(/\./g, '\\.')}[^\n]*\n$`));
  });

  it('with credentials that lack a scope, says access was denied to whom', async () => {
    const credentials = staticCredentials({ [tokens.host]: { username: 'reader', password: 'pw' } });
    const error = await createIndex({ target: `${tokens.host}/app:denied2`, sources: [`${tokens.host}/app:latest-amd64`], credentials }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('access denied to user "reader" from credentials given by the caller');
  });
});

describe('Amazon ECR authorization token (AWS SDK v3 against a local ECR endpoint)', () => {
  let registry: TestRegistry;
  let ecr: LocalEcr;
  const savedEnv = { ...process.env };
  beforeAll(async () => {
    registry = await startTestRegistry({ basicAuth: USER });
    await seed(registry);
    ecr = await startLocalEcr({ ...USER, registryUrl: registry.url });
  });
  afterAll(async () => {
    await ecr.stop();
    await registry.stop();
  });
  afterEach(() => {
    process.env = { ...savedEnv };
  });

  it('gets the password from GetAuthorizationToken and caches it until expiry', async () => {
    const credentials = createEcrCredentialResolver({ endpoint: ecr.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' }, hosts: [registry.host] });
    const before = ecr.requests();
    await createIndex({ target: `${registry.host}/app:ecr`, sources: [`${registry.host}/app:latest-amd64`, `${registry.host}/app:latest-arm64v8`], credentials });
    await resolveDigest(`${registry.host}/app:ecr`, { credentials });
    expect(ecr.requests() - before).toBe(1);
  });

  it('fetches a new token once the cached one is about to expire', async () => {
    const shortLived = await startLocalEcr({ ...USER, registryUrl: registry.url, ttlSeconds: 0 });
    const credentials = createEcrCredentialResolver({ endpoint: shortLived.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' }, hosts: [registry.host] });
    await resolveDigest(`${registry.host}/app:latest-amd64`, { credentials });
    await resolveDigest(`${registry.host}/app:latest-amd64`, { credentials });
    expect(shortLived.requests()).toBe(2);
    await shortLived.stop();
  });

  it('works from the CLI with --from-env, REGISTRY, --ecr and AWS_ENDPOINT_URL_ECR', async () => {
    Object.assign(process.env, {
      IMAGE_REPO_NAME: 'app',
      IMAGE_TAG: 'from-env',
      REGISTRY: registry.host,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_ECR: ecr.endpoint,
      DOCKER_CONFIG: join(tmpdir(), 'multiarch-no-docker-config'),
    });
    const before = ecr.requests();
    // per-arch sources are derived: app:from-env-amd64 and app:from-env-arm64v8
    const client = new RegistryClient({ registry: registry.host, credentials: staticCredentials({ [registry.host]: USER }) });
    for (const [arch, suffix] of [['amd64', 'amd64'], ['arm64', 'arm64v8']] as const) await pushRandomImage(client, 'app', `from-env-${suffix}`, { architecture: arch });
    await client.close();
    const { code, stdout, stderr } = await runCli(['index', 'create', '--from-env', '--ecr']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`${registry.host}/app:from-env@sha256:`);
    expect(stdout).toMatch(/linux\/arm64\/v8\s+sha256:/);
    expect(ecr.requests() - before).toBe(1);
  });

  it('answers the AWS CLI (aws ecr get-login-password --endpoint-url)', async () => {
    const { stdout } = await execa('aws', ['ecr', 'get-login-password', '--region', 'us-east-1', '--endpoint-url', ecr.endpoint], {
      env: { AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'test', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    });
    expect(stdout.trim()).toBe(USER.password);
  });
});
