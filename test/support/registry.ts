import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

/**
 * A private instance of Debian's `docker-registry` (CNCF Distribution) on 127.0.0.1 with
 * its own storage, for one test file. Real registry, real wire protocol, no shared state.
 */
export interface TestRegistry {
  /** `127.0.0.1:PORT` (or `<options.host>:PORT`) — the registry host part of references. */
  readonly host: string;
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly dataDir: string;
  /** Access log lines written so far (one per HTTP request), for request counting. */
  accessLog(): string[];
  stop(): Promise<void>;
}

export interface TestRegistryOptions {
  /** Enables htpasswd basic auth with this single user. */
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** Address to listen on (default 127.0.0.1). */
  readonly host?: string;
  /**
   * Run inside this network namespace (one the test created, `ip netns add`), listening on
   * `host` there: test traffic then only ever goes to loopback or the test's own namespace.
   */
  readonly netns?: string;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startTestRegistry(options: TestRegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'multiarch-registry-'));
  const address = options.host ?? '127.0.0.1';
  // a new namespace has nothing listening, so any port is free there
  const port = options.netns ? 20_000 + Math.floor(Math.random() * 40_000) : await freePort(address);
  let auth = '';
  if (options.basicAuth) {
    const htpasswd = join(dir, 'htpasswd');
    const line = execFileSync('htpasswd', ['-nbB', options.basicAuth.username, options.basicAuth.password], { encoding: 'utf8' });
    await writeFile(htpasswd, line);
    auth = `auth:\n  htpasswd:\n    realm: test-registry\n    path: ${htpasswd}\n`;
  }
  const config = `version: 0.1
log:
  level: warn
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
  delete:
    enabled: true
http:
  addr: ${address}:${port}
${auth}`;
  const configPath = join(dir, 'config.yml');
  await writeFile(configPath, config);
  const lines: string[] = [];
  const command = options.netns ? ['nsenter', `--net=/run/netns/${options.netns}`, 'docker-registry'] : ['docker-registry'];
  const child: ChildProcess = spawn(command[0] as string, [...command.slice(1), 'serve', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(line);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const url = `http://${address}:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const response = await fetch(`${url}/v2/`);
      if (response.status === 200 || response.status === 401) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not start on ${url}: ${lines.slice(-5).join(' | ')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host: `${address}:${port}`,
    port,
    url,
    dataDir: join(dir, 'data'),
    // The registry logs each request as an Apache-style line containing the method.
    accessLog: () => lines.filter((l) => /"(GET|HEAD|PUT|POST|PATCH|DELETE) \//.test(l)),
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
