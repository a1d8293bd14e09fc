import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIndex } from '../../../src/registry-verbs/create-index.js';
import { deleteManifest } from '../../../src/registry-verbs/delete-manifest.js';
import { resolveDigest } from '../../../src/registry-verbs/resolve-digest.js';
import { tagManifest } from '../../../src/registry-verbs/tag-manifest.js';
import { verifyImage } from '../../../src/registry-verbs/verify-image.js';
import { staticCredentials } from '../../../src/registry/auth/credentials.js';
import { RegistryClient } from '../../../src/registry/client.js';
import { UnsupportedOperationError } from '../../../src/registry/errors.js';
import { RegistrySession } from '../../../src/registry/session.js';
import { startTestRegistry, type TestRegistry } from '../../support/registry.js';
import { pushRandomImage } from '../../support/synthetic-image.js';
import { startTokenServer, type TokenServer } from '../../support/token-server.js';

const UPSTREAM = { username: 'up', password: 'stream' };

/**
 * What a pipeline does with one RegistrySession, against the real registry behind a real
 * bearer-token flow: push the index by digest (no tag), verify it by digest, move tags to
 * it, clean up — with one token for the whole run.
 */
describe('one registry session for a whole publish', () => {
  let registry: TestRegistry;
  let tokens: TokenServer;
  let direct: RegistryClient;
  let session: RegistrySession;
  const credentials = staticCredentials({});
  beforeAll(async () => {
    registry = await startTestRegistry({ basicAuth: UPSTREAM });
    direct = new RegistryClient({ registry: registry.host, credentials: staticCredentials({ [registry.host]: UPSTREAM }) });
    await pushRandomImage(direct, 'app', 'run1-amd64', { architecture: 'amd64' });
    await pushRandomImage(direct, 'app', 'run1-arm64v8', { architecture: 'arm64' });
    tokens = await startTokenServer({ upstream: registry.url, upstreamAuth: UPSTREAM, users: { ci: 'secret' } });
  });
  afterAll(async () => {
    await session?.close();
    await direct.close();
    await tokens.stop();
    await registry.stop();
  });

  it('pushes by digest, verifies by digest, moves two tags and deletes one, with one token', async () => {
    session = new RegistrySession({ credentials: staticCredentials({ [tokens.host]: { username: 'ci', password: 'secret' } }) });
    const host = tokens.host;
    // everything the run will do, so the first token covers the clean-up too
    session.client(host).declareScopes(['repository:app:pull,push,delete']);
    const before = tokens.tokenRequests().length;
    const logStart = registry.accessLog().length;

    const index = await createIndex({ session, push: 'digest', target: `${host}/app`, sources: [`${host}/app:run1-amd64`, `${host}/app:run1-arm64v8`] });
    expect(index.reference).toBe(`${host}/app@${index.digest}`);
    // by digest only: no tag was moved
    expect(await direct.headManifest('app', 'latest')).toBeUndefined();
    expect((await direct.headManifest('app', index.digest))?.digest).toBe(index.digest);

    const report = await verifyImage({ session, reference: `${host}/app@${index.digest}` });
    expect(report).toMatchObject({ ok: true, kind: 'index', digest: index.digest });

    // with the bytes from createIndex: one PUT, no GET
    const putsBefore = registry.accessLog().length;
    const latest = await tagManifest(session, `${host}/app`, index.digest, 'latest', { manifest: { bytes: index.bytes, mediaType: index.mediaType } });
    expect(latest).toEqual({ reference: `${host}/app:latest`, digest: index.digest });
    const tagRequests = registry.accessLog().slice(putsBefore);
    expect(tagRequests.filter((l) => /"(GET|HEAD) /.test(l))).toEqual([]);
    expect(tagRequests.filter((l) => l.includes('"PUT /v2/app/manifests/latest '))).toHaveLength(1);
    // without them: the digest-checked GET, then the PUT
    await tagManifest(session, `${host}/app`, index.digest, 'run1');
    expect((await resolveDigest(`${host}/app:run1`, { session })).digest).toBe(index.digest);
    expect((await direct.headManifest('app', 'latest'))?.digest).toBe(index.digest);

    // Distribution 2.8 cannot delete a tag alone: refused, and nothing is deleted
    const refused = await deleteManifest(session, `${host}/app:run1`).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UnsupportedOperationError);
    expect((refused as Error).message).toMatch(/cannot delete a tag on its own/);
    expect((await direct.headManifest('app', 'run1'))?.digest).toBe(index.digest);

    // every step above was authorised by the one token fetched first
    expect(tokens.tokenRequests().length - before).toBe(1);
    expect(registry.accessLog().slice(logStart).some((l) => l.includes('"PUT /v2/app/manifests/sha256:'))).toBe(true);
  });

  it('deletes a manifest by digest (every tag on it goes with it)', async () => {
    const local = new RegistrySession({ credentials: staticCredentials({ [registry.host]: UPSTREAM }) });
    try {
      const image = await pushRandomImage(direct, 'scratch', 'run2', { architecture: 'amd64' });
      await deleteManifest(local, `${registry.host}/scratch@${image.manifestDigest}`);
      expect(await direct.headManifest('scratch', image.manifestDigest)).toBeUndefined();
      expect(await direct.headManifest('scratch', 'run2')).toBeUndefined();
      // gone now: NOT_FOUND, not a silent success
      await expect(deleteManifest(local, `${registry.host}/scratch@${image.manifestDigest}`)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await local.close();
    }
  });

  it('refuses to move a tag to bytes that are not the digest, and to a digest that is not there', async () => {
    const local = new RegistrySession({ credentials: staticCredentials({ [registry.host]: UPSTREAM }) });
    try {
      const image = await pushRandomImage(direct, 'app', 'run3', { architecture: 'amd64' });
      const other = await pushRandomImage(direct, 'app', 'run3-other', { architecture: 'amd64' });
      const mismatch = await tagManifest(local, `${registry.host}/app`, image.manifestDigest, 'moved', { manifest: { bytes: other.manifest, mediaType: other.mediaType } }).catch((e: unknown) => e);
      expect(mismatch).toMatchObject({ code: 'DIGEST_MISMATCH' });
      expect(await direct.headManifest('app', 'moved')).toBeUndefined();
      await expect(tagManifest(local, `${registry.host}/app`, `sha256:${'0'.repeat(64)}`, 'moved')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await direct.headManifest('app', 'moved')).toBeUndefined();
    } finally {
      await local.close();
    }
  });

  it('rejects ambiguous or bare references before sending anything', async () => {
    const local = new RegistrySession({ credentials });
    const before = registry.accessLog().length;
    await expect(deleteManifest(local, `${registry.host}/app`)).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/names no tag or digest/) });
    await expect(deleteManifest(local, `${registry.host}/app:t@sha256:${'a'.repeat(64)}`)).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/would remove every tag/) });
    await expect(tagManifest(local, `${registry.host}/app:latest`, `sha256:${'a'.repeat(64)}`, 'x')).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(tagManifest(local, `${registry.host}/app`, 'sha256:short', 'x')).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(tagManifest(local, `${registry.host}/app`, `sha256:${'a'.repeat(64)}`, '-bad')).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(createIndex({ session: local, push: 'digest', target: `${registry.host}/app@sha256:${'a'.repeat(64)}`, sources: [`${registry.host}/app:run1-amd64`] })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect(registry.accessLog().slice(before)).toEqual([]);
    await local.close();
    expect(() => local.client(registry.host)).toThrow(/closed/);
  });
});
