import { execa } from 'execa';
import Module from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../src/project-paths.js';
import { RegistryClient } from '../../../src/registry/client.js';
import { startTestRegistry, type TestRegistry } from '../../support/registry.js';
import { pushRandomImage } from '../../support/synthetic-image.js';

const root = projectRoot();
// Node 22.1+ has a compile cache of its own, which the bin enables; Node 20 runs the bundle
// as a vm.Script and keeps V8's code cache itself under dist/cli/compile-cache.
const builtinCache = typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === 'function';
const bin = join(root, 'bin', 'multiarch.js');
const cacheDir = join(root, 'dist', 'cli', 'compile-cache');

/** The installed entry: bin/multiarch.js running the esbuild bundle, as a user runs it. */
describe('bundled CLI (bin/multiarch.js → dist/cli/multiarch.cjs)', () => {
  let registry: TestRegistry;
  let dir: string;
  const run = (args: string[], env: Record<string, string> = {}) => execa(process.execPath, [bin, ...args], { reject: false, env: { DOCKER_CONFIG: join(dir, 'docker'), ...env } });

  beforeAll(async () => {
    await execa(process.execPath, [join(root, 'bin', 'build-cli.mjs')], { cwd: root });
    registry = await startTestRegistry();
    const client = new RegistryClient({ registry: registry.host });
    await pushRandomImage(client, 'app', 'v1-amd64', { architecture: 'amd64' });
    await pushRandomImage(client, 'app', 'v1-arm64v8', { architecture: 'arm64' });
    await client.close();
    dir = await mkdtemp(join(tmpdir(), 'multiarch-bundle-'));
  });
  afterAll(async () => {
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const result = await run(['--version']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(version);
  });

  it('creates an index loading nothing from node_modules, and keeps a compile cache for the verb', async () => {
    // a preload that lists every CommonJS module file the run loaded
    const probe = join(dir, 'probe.cjs');
    const loaded = join(dir, 'loaded.json');
    await writeFile(probe, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loaded)}, JSON.stringify(Object.keys(require.cache))));\n`);
    const args = ['--repo', 'app', '--registry', registry.host, '--tag', 'v1', '--json'];
    const nodeCache = join(dir, 'node-compile-cache');
    const first = await execa(process.execPath, ['--require', probe, bin, 'index', 'create', ...args], { reject: false, env: { DOCKER_CONFIG: join(dir, 'docker'), NODE_COMPILE_CACHE: nodeCache } });
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    expect(JSON.parse(first.stdout).manifests).toHaveLength(2);
    const modules = JSON.parse(readFileSync(loaded, 'utf8')) as string[];
    expect(modules.filter((m) => m.includes('node_modules'))).toEqual([]);
    if (builtinCache) {
      // the bundle is required, and Node's own cache holds its compiled code
      expect(modules.some((m) => m.endsWith('multiarch.cjs'))).toBe(true);
      expect(existsSync(nodeCache) && readdirSync(nodeCache, { recursive: true }).length > 0).toBe(true);
    } else {
      expect(modules.some((m) => m.endsWith('multiarch.cjs'))).toBe(false); // run as a cached vm.Script, not require()
      expect(readdirSync(cacheDir).some((f) => f.startsWith('index-') && f.endsWith('.bin'))).toBe(true);
    }
    // the next run uses the cache and gives the same answer
    const second = await run(['index', 'create', ...args]);
    expect(second.exitCode).toBe(0);
    expect(JSON.parse(second.stdout).digest).toBe(JSON.parse(first.stdout).digest);
  });

  it('keeps no cache with NODE_DISABLE_COMPILE_CACHE (and, on Node 20, none for a failed run)', async () => {
    const nodeCache = join(dir, 'disabled-cache');
    const verify = await run(['verify', `${registry.host}/app:v1-amd64`], { NODE_DISABLE_COMPILE_CACHE: '1', NODE_COMPILE_CACHE: nodeCache });
    expect(verify.exitCode).toBe(0);
    expect(existsSync(nodeCache) && readdirSync(nodeCache, { recursive: true }).length > 0).toBe(false);
    expect(existsSync(cacheDir) && readdirSync(cacheDir).some((f) => f.startsWith('verify-'))).toBe(false);
    if (!builtinCache) {
      const bad = await run(['config', '--registry', '127.0.0.1:99999', '--definitely-not-an-option']);
      expect(bad.exitCode).toBe(2);
      expect(readdirSync(cacheDir).some((f) => f.startsWith('config-'))).toBe(false);
    }
  });

  it('rejects a registry port out of range with exit 2 and one line', async () => {
    const result = await run(['index', 'create', '--repo', 'app', '--registry', '127.0.0.1:99999']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('multiarch: error: invalid --registry "127.0.0.1:99999": registry port 99999 is out of range (1-65535)');
  });
});
