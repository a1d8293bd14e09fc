import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../../src/cli/exit-codes.js';
import { createIndex } from '../../../src/registry-verbs/create-index.js';
import { RegistryClient } from '../../../src/registry/client.js';
import { startTestRegistry, type TestRegistry } from '../../support/registry.js';
import { runCli } from '../../support/run-cli.js';
import { makeSyntheticImage, pushRandomImage, pushSyntheticImage } from '../../support/synthetic-image.js';

/** Each bad input: one clear line on stderr, the documented exit code, nothing pushed. */
describe('bad input through main()', () => {
  let registry: TestRegistry;
  let client: RegistryClient;
  let host: string;
  beforeAll(async () => {
    registry = await startTestRegistry();
    host = registry.host;
    client = new RegistryClient({ registry: host });
    await pushRandomImage(client, 'app', 'amd64', { architecture: 'amd64' });
    await pushRandomImage(client, 'app', 'amd64-again', { architecture: 'amd64' });
    await pushRandomImage(client, 'app', 'arm64', { architecture: 'arm64' });
    await pushSyntheticImage(client, 'app', 'artifact', makeSyntheticImage({ architecture: 'amd64', format: 'oci', configMediaType: 'application/vnd.example.sbom.config.v1+json' }));
    await pushSyntheticImage(client, 'app', 'no-arch', makeSyntheticImage({ architecture: 'amd64', configExtra: { architecture: undefined } }));
    const missing = await pushRandomImage(client, 'app', 'missing-config', { architecture: 'arm64' });
    await fetch(`${registry.url}/v2/app/blobs/${missing.configDigest}`, { method: 'DELETE' });
    const missingLayer = await pushRandomImage(client, 'app', 'missing-layer', { architecture: 'amd64' });
    await fetch(`${registry.url}/v2/app/blobs/${missingLayer.layerDigest}`, { method: 'DELETE' });
  });
  afterAll(async () => {
    await client.close();
    await registry.stop();
  });

  const table: Array<{ name: string; argv: () => string[]; env?: Record<string, string | undefined>; code: number; message: RegExp }> = [
    { name: 'unparseable target', argv: () => ['index', 'create', 'Not A Ref!', `${host}/app:amd64`], code: EXIT_CODES.BAD_INPUT, message: /invalid image reference "Not A Ref!"/ },
    { name: 'uppercase repository', argv: () => ['index', 'create', `${host}/App:latest`, `${host}/app:amd64`], code: EXIT_CODES.BAD_INPUT, message: /repository name must be lowercase/ },
    { name: 'short digest', argv: () => ['index', 'create', `${host}/app:out`, `${host}/app@sha256:1234`], code: EXIT_CODES.BAD_INPUT, message: /bad digest "sha256:1234"/ },
    { name: 'digest as target', argv: () => ['index', 'create', `${host}/app@sha256:${'a'.repeat(64)}`, `${host}/app:amd64`], code: EXIT_CODES.BAD_INPUT, message: /must be a tag, not a digest/ },
    { name: 'source on another registry', argv: () => ['index', 'create', `${host}/app:out`, 'registry.example.invalid/app:amd64'], code: EXIT_CODES.BAD_INPUT, message: /sources must be on the target's registry/ },
    { name: 'unknown tag', argv: () => ['index', 'create', `${host}/app:out`, `${host}/app:amd64`, `${host}/app:nope`], code: EXIT_CODES.NOT_FOUND, message: /manifest .*app:nope not found \(MANIFEST_UNKNOWN/ },
    { name: 'unknown repository', argv: () => ['index', 'create', `${host}/app:out`, `${host}/ghost:amd64`], code: EXIT_CODES.NOT_FOUND, message: /ghost:amd64 not found/ },
    { name: 'source missing its config blob', argv: () => ['index', 'create', `${host}/app:out`, `${host}/app:amd64`, `${host}/app:missing-config`], code: EXIT_CODES.NOT_FOUND, message: /reading the config of .*missing-config: blob .* not found/ },
    { name: 'two sources of the same platform', argv: () => ['index', 'create', `${host}/app:out`, `${host}/app:amd64`, `${host}/app:amd64-again`], code: EXIT_CODES.BAD_INPUT, message: /duplicate platform linux\/amd64: .*app:amd64 and .*app:amd64-again/ },
    { name: 'non-image manifest (artifact config type)', argv: () => ['index', 'create', `${host}/app:out`, `${host}/app:artifact`], code: EXIT_CODES.BAD_INPUT, message: /is not a container image: config media type is application\/vnd.example.sbom.config.v1\+json/ },
    { name: 'config without architecture', argv: () => ['index', 'create', `${host}/app:out`, `${host}/app:no-arch`], code: EXIT_CODES.BAD_INPUT, message: /not a valid image config \(architecture/ },
    { name: 'bad --format', argv: () => ['index', 'create', `${host}/app:out`, `${host}/app:amd64`, '--format', 'xml'], code: EXIT_CODES.BAD_INPUT, message: /invalid --format "xml"/ },
    { name: 'annotations with --format docker', argv: () => ['index', 'create', `${host}/app:out`, `${host}/app:amd64`, '--format', 'docker', '--annotation', 'a=b'], code: EXIT_CODES.BAD_INPUT, message: /Docker manifest list has no annotations/ },
    { name: 'malformed --annotation', argv: () => ['index', 'create', `${host}/app:out`, `${host}/app:amd64`, '--annotation', 'novalue'], code: EXIT_CODES.BAD_INPUT, message: /invalid annotation "novalue"/ },
    { name: 'bad --timeout', argv: () => ['index', 'create', `${host}/app:out`, `${host}/app:amd64`, '--timeout', '0'], code: EXIT_CODES.BAD_INPUT, message: /invalid --timeout/ },
    { name: 'bad --arch', argv: () => ['index', 'create', `${host}/app:out`, '--arch', 'sparc'], code: EXIT_CODES.BAD_INPUT, message: /unknown architecture "sparc"/ },
    { name: '--registry with a port out of range', argv: () => ['index', 'create', '--repo', 'app', '--registry', '127.0.0.1:99999', '--tag', 'out'], code: EXIT_CODES.BAD_INPUT, message: /invalid --registry "127\.0\.0\.1:99999": registry port 99999 is out of range \(1-65535\)/ },
    { name: 'REGISTRY with a port out of range', argv: () => ['index', 'create', '--from-env'], env: { IMAGE_REPO_NAME: 'app', IMAGE_TAG: 'out', REGISTRY: '127.0.0.1:99999' }, code: EXIT_CODES.BAD_INPUT, message: /invalid REGISTRY "127\.0\.0\.1:99999": registry port 99999 is out of range/ },
    { name: 'target with a port out of range', argv: () => ['index', 'create', '127.0.0.1:99999/app:out', '127.0.0.1:99999/app:amd64', '--dry-run'], code: EXIT_CODES.BAD_INPUT, message: /registry port 99999 is out of range/ },
    { name: '--from-env without IMAGE_REPO_NAME', argv: () => ['index', 'create', '--from-env'], env: { IMAGE_REPO_NAME: undefined }, code: EXIT_CODES.CONFIG, message: /IMAGE_REPO_NAME is not set/ },
    { name: '--from-env without a registry', argv: () => ['index', 'create', '--from-env'], env: { IMAGE_REPO_NAME: 'app', REGISTRY: undefined, AWS_ACCOUNT_ID: undefined }, code: EXIT_CODES.CONFIG, message: /set REGISTRY, or AWS_ACCOUNT_ID and AWS_DEFAULT_REGION/ },
    { name: 'verify of an image missing a layer', argv: () => ['verify', `${host}/app:missing-layer`], code: EXIT_CODES.VERIFY_FAILED, message: /failed 1 of 2 checks: .*layer sha256:[a-f0-9]{12}: blob sha256:[a-f0-9]{64} is missing/ },
    { name: 'inspect of an unknown tag', argv: () => ['index', 'inspect', `${host}/app:nope`], code: EXIT_CODES.NOT_FOUND, message: /not found/ },
  ];

  for (const row of table) {
    it(`${row.name}: exit ${row.code}, one line`, async () => {
      const { code, stderr } = await runCli(row.argv(), row.env);
      expect(stderr).toMatch(/^multiarch: error: [^\n]+\n$/);
      expect(stderr).toMatch(row.message);
      expect(code).toBe(row.code);
      expect(await client.headManifest('app', 'out')).toBeUndefined();
    });
  }

  it('an unknown option is a usage error (exit 2)', async () => {
    const { code } = await runCli(['index', 'create', `${host}/app:out`, '--bogus']);
    expect(code).toBe(2);
  });

  it('the library reports the same errors with stable codes', async () => {
    const error = await createIndex({ target: `${host}/app:out`, sources: [`${host}/app:amd64`, `${host}/app:amd64-again`] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_INPUT' });
  });

  it('--dry-run prints the index JSON, and --repo/--arch derive per-arch sources', async () => {
    await pushRandomImage(client, 'app', 'rel-amd64', { architecture: 'amd64' });
    await pushRandomImage(client, 'app', 'rel-arm64v8', { architecture: 'arm64' });
    const { code, stdout, stderr } = await runCli(['index', 'create', '--repo', 'app', '--registry', host, '--tag', 'rel', '--arch', 'amd64,arm64', '--dry-run']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const index = JSON.parse(stdout) as { manifests: Array<{ platform: { architecture: string; variant?: string } }> };
    expect(index.manifests.map((m) => m.platform)).toEqual([{ architecture: 'amd64', os: 'linux' }, { architecture: 'arm64', os: 'linux', variant: 'v8' }]);
    expect(await client.headManifest('app', 'rel')).toBeUndefined();
  });

  it('index inspect prints a table, --json and --raw', async () => {
    expect((await runCli(['index', 'create', `${host}/app:shown`, `${host}/app:amd64`, `${host}/app:arm64`])).code).toBe(0);
    const table = await runCli(['index', 'inspect', `${host}/app:shown`]);
    expect(table.stdout).toMatch(/linux\/arm64\/v8\s+sha256:[a-f0-9]{64}\s+\d+\s+\d+/);
    const json = JSON.parse((await runCli(['index', 'inspect', `${host}/app:shown`, '--json'])).stdout) as { kind: string; manifests: unknown[] };
    expect(json.kind).toBe('index');
    expect(json.manifests).toHaveLength(2);
    const raw = await runCli(['index', 'inspect', `${host}/app:shown`, '--raw']);
    expect(JSON.parse(raw.stdout)).toMatchObject({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json' });
    const verified = await runCli(['verify', `${host}/app:shown`, '--json']);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true });
  });
});
