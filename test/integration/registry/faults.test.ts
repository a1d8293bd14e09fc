import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createIndex } from '../../../src/registry-verbs/create-index.js';
import { MultiarchError } from '../../../src/errors.js';
import { RegistryClient } from '../../../src/registry/client.js';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../../support/fault-proxy.js';
import { startTestRegistry, type TestRegistry } from '../../support/registry.js';
import { pushRandomImage } from '../../support/synthetic-image.js';

const RETRY = { retries: 3, baseDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 5_000 };
const MANIFEST_GET = { method: 'GET', path: /\/manifests\/latest-arm64v8$/ };
const CONFIG_GET = { method: 'GET', path: /\/blobs\/sha256:/ };
const TAG_PUT = { method: 'PUT', path: /\/manifests\/multi$/ };

/**
 * Faults between our client and the registry: the command either succeeds with exactly the
 * index a clean run gives, or fails leaving the tag where it was — never half-written.
 */
describe('fault injection', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let direct: RegistryClient;
  let expectedDigest: string;
  let previousDigest: string;
  const sources = (): string[] => [`${proxy.host}/app:latest-amd64`, `${proxy.host}/app:latest-arm64v8`, `${proxy.host}/lib/arm:v7`];
  const create = () => createIndex({ target: `${proxy.host}/app:multi`, sources: sources(), retry: RETRY });
  const tagDigest = async (): Promise<string | undefined> => (await direct.headManifest('app', 'multi'))?.digest;

  beforeAll(async () => {
    registry = await startTestRegistry();
    proxy = await startFaultProxy({ upstream: registry.url });
    direct = new RegistryClient({ registry: registry.host });
    await pushRandomImage(direct, 'app', 'latest-amd64', { architecture: 'amd64' });
    await pushRandomImage(direct, 'app', 'latest-arm64v8', { architecture: 'arm64' });
    // a source in another repository, so mounts and manifest copies are exercised too
    await pushRandomImage(direct, 'lib/arm', 'v7', { architecture: 'arm', variant: 'v7' });
    expectedDigest = (await createIndex({ target: `${proxy.host}/app:multi`, sources: sources(), dryRun: true })).digest;
    previousDigest = (await createIndex({ target: `${registry.host}/app:previous`, sources: [`${registry.host}/app:latest-amd64`] })).digest;
  });
  afterAll(async () => {
    await direct.close();
    await proxy.stop();
    await registry.stop();
  });
  beforeEach(async () => {
    // the tag starts at a known, different index each time
    const previous = await direct.getManifest('app', previousDigest);
    await direct.putManifest('app', 'multi', previous.bytes, previous.mediaType);
  });

  const transient: Array<[string, FaultRule[]]> = [
    ['429 with Retry-After on a manifest GET', [{ ...MANIFEST_GET, fault: { kind: 'status', status: 429, retryAfter: 1 } }]],
    ['500 then 503 on a config GET', [{ ...CONFIG_GET, fault: { kind: 'status', status: 500 } }, { ...CONFIG_GET, fault: { kind: 'status', status: 503 } }]],
    ['connection reset on a manifest GET', [{ ...MANIFEST_GET, fault: { kind: 'reset' } }]],
    ['truncated manifest body', [{ ...MANIFEST_GET, fault: { kind: 'truncate' } }]],
    ['truncated config body', [{ ...CONFIG_GET, fault: { kind: 'truncate' } }]],
    ['503 on a blob mount', [{ method: 'POST', path: /mount=/, fault: { kind: 'status', status: 503 } }]],
    ['reset on the copied manifest PUT', [{ method: 'PUT', path: /\/manifests\/sha256:/, fault: { kind: 'reset' } }]],
    ['reset on the tag PUT', [{ ...TAG_PUT, fault: { kind: 'reset' } }]],
    ['429 without Retry-After on the tag PUT, twice', [{ ...TAG_PUT, times: 2, fault: { kind: 'status', status: 429 } }]],
  ];
  for (const [name, script] of transient) {
    it(`recovers from ${name} with the correct index`, async () => {
      proxy.setScript(script);
      const result = await create();
      expect(proxy.injected()).toBeGreaterThan(0);
      expect(result.digest).toBe(expectedDigest);
      expect(await tagDigest()).toBe(expectedDigest);
    });
  }

  const persistent: Array<[string, FaultRule[], RegExp]> = [
    ['503 on every tag PUT', [{ ...TAG_PUT, times: Infinity, fault: { kind: 'status', status: 503 } }], /HTTP 503/],
    ['resets on every arm64 manifest GET', [{ ...MANIFEST_GET, times: Infinity, fault: { kind: 'reset' } }], /failed/],
    ['truncated config bodies', [{ ...CONFIG_GET, times: Infinity, fault: { kind: 'truncate' } }], /truncated|failed|terminated/],
    ['a Retry-After longer than we wait', [{ ...MANIFEST_GET, fault: { kind: 'status', status: 429, retryAfter: 3600 } }], /HTTP 429/],
    ['500 on every index PUT', [{ ...TAG_PUT, times: Infinity, fault: { kind: 'status', status: 500 } }], /HTTP 500/],
  ];
  for (const [name, script, message] of persistent) {
    it(`fails cleanly on ${name}, leaving the tag unchanged`, async () => {
      proxy.setScript(script);
      const before = registry.accessLog().length;
      const error = await create().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MultiarchError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message.split('\n')).toHaveLength(1);
      expect(await tagDigest()).toBe(previousDigest);
      const tagPuts = registry.accessLog().slice(before).filter((l) => l.includes('PUT /v2/app/manifests/multi ') && l.includes('" 201 '));
      expect(tagPuts).toEqual([]);
    });
  }
});
