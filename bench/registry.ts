/**
 * `docker manifest create + annotate ×2 + push` versus our `multiarch index create` (library
 * in-process, and the CLI as a process) on the same loopback registry with the same two
 * per-arch images: median wall time of 7 runs and HTTP requests per run (registry access
 * log). Writes bench/results/registry.md.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createIndex } from '../src/registry-verbs/create-index.js';
import { RegistryClient } from '../src/registry/client.js';
import { startTestRegistry } from '../test/support/registry.js';
import { pushRandomImage } from '../test/support/synthetic-image.js';

const RUNS = 7;
const DOCKER = '/usr/bin/docker';

interface Measured {
  readonly name: string;
  readonly times: number[];
  readonly requests: number[];
  /** Access-log lines of the last timed run. */
  readonly lastLog: string[];
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function measure(name: string, log: () => string[], run: (i: number) => Promise<void>): Promise<Measured> {
  await run(-1); // warm-up, not counted (first connection, tsx cache, docker CLI page cache)
  const times: number[] = [];
  const requests: number[] = [];
  let lastLog: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    const before = log().length;
    const start = performance.now();
    await run(i);
    times.push((performance.now() - start) / 1000);
    await new Promise((r) => setTimeout(r, 50)); // let the access log flush
    lastLog = log().slice(before);
    requests.push(lastLog.length);
  }
  return { name, times, requests, lastLog };
}

const registry = await startTestRegistry();
const client = new RegistryClient({ registry: registry.host });
const host = registry.host;
try {
  await pushRandomImage(client, 'bench', 'latest-amd64', { architecture: 'amd64' });
  await pushRandomImage(client, 'bench', 'latest-arm64v8', { architecture: 'arm64' });
  const sources = [`${host}/bench:latest-amd64`, `${host}/bench:latest-arm64v8`];
  const count = (): string[] => registry.accessLog();

  const docker = await measure('`docker manifest` create + annotate ×2 + push', count, async () => {
    // a fresh DOCKER_CONFIG each run: docker manifest keeps a local cache there
    const config = await mkdtemp(join(tmpdir(), 'bench-docker-config-'));
    const env = { DOCKER_CONFIG: config, DOCKER_CLI_EXPERIMENTAL: 'enabled' };
    const list = `${host}/bench:docker`;
    try {
      await execa(DOCKER, ['manifest', 'create', '--insecure', list, ...sources], { env });
      await execa(DOCKER, ['manifest', 'annotate', '--arch', 'amd64', '--os', 'linux', list, sources[0] ?? ''], { env });
      await execa(DOCKER, ['manifest', 'annotate', '--arch', 'arm64', '--variant', 'v8', '--os', 'linux', list, sources[1] ?? ''], { env });
      await execa(DOCKER, ['manifest', 'push', '--insecure', list], { env });
    } finally {
      await rm(config, { recursive: true, force: true });
    }
  });
  const library = await measure('`createIndex()` (library, in-process)', count, async () => {
    await createIndex({ target: `${host}/bench:ours`, sources });
  });
  const cli = await measure('`multiarch index create` (CLI process, sources via tsx)', count, async () => {
    await execa(process.execPath, ['bin/multiarch.js', 'index', 'create', `${host}/bench:cli`, ...sources, '--json']);
  });
  // The installed package runs compiled JavaScript; build it where git ignores it.
  const buildDir = 'bench/results/cli-build.tmp';
  await execa('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', buildDir], { reject: false });
  const compiledMain = join(buildDir, 'src', 'cli', 'main.js');
  const compiled = existsSync(compiledMain)
    ? await measure('`multiarch index create` (CLI process, compiled JS)', count, async () => {
        await execa(process.execPath, [compiledMain, 'index', 'create', `${host}/bench:compiled`, ...sources, '--json']);
      })
    : undefined;
  await rm(buildDir, { recursive: true, force: true });

  const base = median(docker.times);
  const row = (m: Measured): string =>
    `| ${m.name} | ${median(m.times).toFixed(3)} s | ${Math.min(...m.times).toFixed(3)}–${Math.max(...m.times).toFixed(3)} s | ${base / median(m.times) >= 10 ? (base / median(m.times)).toFixed(0) : (base / median(m.times)).toFixed(1)}× | ${[...new Set(m.requests)].join(', ')} |`;
  const summarise = (m: Measured): string => m.lastLog.map((l) => l.replace(/^.*?"(\w+ \S+) HTTP[^"]*" (\d+).*$/, '$1 → $2')).join('\n');
  const report = `# Registry benchmark: multi-arch index creation

Same run, same private \`docker-registry\` on 127.0.0.1, same two small per-arch images
(one-layer synthetic images, amd64 and arm64). ${RUNS} timed runs each after one warm-up;
requests counted from the registry's access log. Generated by \`npx tsx bench/registry.ts\`
on ${new Date().toISOString().slice(0, 10)} (Node ${process.version}, ${process.platform}/${process.arch}).

| tool | median wall | range | speed-up vs docker | HTTP requests per run |
|---|---|---|---|---|
${row(docker)}
${row(library)}
${row(cli)}
${compiled ? row(compiled) : '| compiled CLI | build failed | | | |'}

Requests of ours: one GET per per-arch manifest and per config blob, then the index PUT by
digest and the tag PUT (2 + 2 + 2 = 6). The CLI figures are dominated by starting Node and
loading every verb's modules (and, from sources, compiling TypeScript with tsx); the registry
work inside them is the in-process figure. The machine's load average during the run was
${loadavg().map((l) => l.toFixed(1)).join(' / ')} on ${cpus().length} CPUs, so absolute times are noisy; the ratios of the
same run are what to compare.

Reference figures on this machine (machine notes): docker manifest 0.58 s median, 8 requests.

Requests of the last run, in order:

\`docker manifest\`:

\`\`\`
${summarise(docker)}
\`\`\`

\`createIndex()\`:

\`\`\`
${summarise(library)}
\`\`\`
`;
  await writeFile(new URL('./results/registry.md', import.meta.url), report);
  process.stdout.write(report);
} finally {
  await client.close();
  await registry.stop();
}
