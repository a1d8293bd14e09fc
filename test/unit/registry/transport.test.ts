import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../../src/oci/digest.js';
import { staticCredentials } from '../../../src/registry/auth/credentials.js';
import { RegistryClient, isLoopbackRegistry } from '../../../src/registry/client.js';
import { createRetryingTransport, USER_AGENT } from '../../../src/registry/transport.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];

async function serve(handler: Handler): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

describe('transport (wire level, loopback servers)', () => {
  it('sends our user agent and retries 503 honouring Retry-After', async () => {
    const seen: Array<{ ua?: string; at: number }> = [];
    const host = await serve((req, res) => {
      seen.push({ ua: req.headers['user-agent'], at: Date.now() });
      if (seen.length === 1) return void res.writeHead(503, { 'retry-after': '1' }).end();
      res.writeHead(200).end('ok');
    });
    const transport = createRetryingTransport({ retry: { baseDelayMs: 1 } });
    const response = await transport.send({ method: 'GET', url: `http://${host}/v2/` });
    await transport.close();
    expect(response.status).toBe(200);
    expect(seen.map((s) => s.ua)).toEqual([USER_AGENT, USER_AGENT]);
    expect((seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it('times out a silent server with a TIMEOUT error after the retries', async () => {
    let attempts = 0;
    const host = await serve(() => {
      attempts++; // never answers
    });
    const transport = createRetryingTransport({ timeoutMs: 100, retry: { retries: 1, baseDelayMs: 1 } });
    await expect(transport.send({ method: 'GET', url: `http://${host}/v2/` })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await transport.close();
    expect(attempts).toBe(2);
  });

  it('detects a truncated body and retries it', async () => {
    let attempts = 0;
    const host = await serve((_req, res) => {
      attempts++;
      res.writeHead(200, { 'content-length': '10' });
      if (attempts === 1) {
        res.write('12345');
        setTimeout(() => res.socket?.destroy(), 10);
      } else res.end('1234567890');
    });
    const transport = createRetryingTransport({ retry: { baseDelayMs: 1 } });
    const response = await transport.send({ method: 'GET', url: `http://${host}/x` });
    await transport.close();
    expect(response.body.toString()).toBe('1234567890');
    expect(attempts).toBe(2);
  });

  it('follows redirects and drops credentials on a cross-origin hop', async () => {
    const blobHost = await serve((req, res) => {
      res.writeHead(200).end(JSON.stringify({ authorization: req.headers.authorization ?? null }));
    });
    const body = JSON.stringify({ authorization: null });
    const digest = sha256Digest(body);
    const registryHost = await serve((req, res) => {
      if (!req.headers.authorization) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
      res.writeHead(307, { location: `http://${blobHost}/storage/${digest}` }).end();
    });
    const client = new RegistryClient({ registry: registryHost, credentials: staticCredentials({ [registryHost]: { username: 'u', password: 'p' } }) });
    const blob = await client.getBlob('app', digest);
    await client.close();
    expect(JSON.parse(blob.toString())).toEqual({ authorization: null });
  });

  it('rejects content that does not match its digest', async () => {
    const host = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end('{"schemaVersion":2}');
    });
    const client = new RegistryClient({ registry: host });
    await expect(client.getManifest('app', `sha256:${'0'.repeat(64)}`)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    await expect(client.getBlob('app', `sha256:${'0'.repeat(64)}`)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    await client.close();
  });

  it('talks plain HTTP to a loopback registry without probing HTTPS first', async () => {
    const seen: string[] = [];
    const host = await serve((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    const client = new RegistryClient({ registry: host });
    await client.ping();
    await client.ping();
    await client.close();
    expect(seen).toEqual(['GET /v2/', 'GET /v2/']);
  });

  it('switches to HTTPS when a loopback registry turns out to speak only TLS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'multiarch-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      const seen: string[] = [];
      const server = createTlsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
        seen.push(`${req.method} ${req.url}`);
        res.writeHead(200).end('{}');
      });
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const client = new RegistryClient({ registry: `127.0.0.1:${(server.address() as AddressInfo).port}`, retry: { retries: 0 } });
      await client.ping();
      await client.ping();
      await client.close();
      // both over TLS (the plain-HTTP attempt never reached the handler)
      expect(seen).toEqual(['GET /v2/', 'GET /v2/']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses plain HTTP only for loopback or --insecure', () => {
    expect(isLoopbackRegistry('127.0.0.1:5000')).toBe(true);
    expect(isLoopbackRegistry('127.9.9.9')).toBe(true);
    expect(isLoopbackRegistry('localhost:5000')).toBe(true);
    expect(isLoopbackRegistry('[::1]:5000')).toBe(true);
    expect(isLoopbackRegistry('10.0.0.1:5000')).toBe(false);
    expect(isLoopbackRegistry('registry.example.com')).toBe(false);
  });
});
