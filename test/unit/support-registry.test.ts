import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry, type TestRegistry } from '../support/registry.js';

describe('test registry fixture', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry({ basicAuth: { username: 'u', password: 'p' } });
  });
  afterAll(async () => registry.stop());

  it('speaks the distribution API and enforces basic auth', async () => {
    const anonymous = await fetch(`${registry.url}/v2/`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm="test-registry"/);
    const authed = await fetch(`${registry.url}/v2/`, { headers: { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` } });
    expect(authed.status).toBe(200);
    expect(authed.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });
});
