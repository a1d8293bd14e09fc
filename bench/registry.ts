/**
 * Multi-arch index creation, three tools side by side in one run, as whole processes:
 * `docker manifest` create + annotate ×2 + push, `docker buildx imagetools create`, and
 * `multiarch index create` (the installed bin, bundled). Same private registry, same two
 * per-arch images, a fresh target tag for every run (so every tool really pushes), runs
 * interleaved tool by tool; median of 5 after one warm-up each. Twice: on loopback, and
 * through a proxy that adds 50 ms to every request. Requests per tool are counted from
 * the registry's access log (loopback) and by the proxy (which also sees HTTPS probes).
 * Also: `multiarch --version` against `node -e 0`, and the in-process library call.
 * Writes bench/results/registry.md.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { projectRoot } from '../src/project-paths.js';
import { createIndex } from '../src/registry-verbs/create-index.js';
import { RegistrySession } from '../src/registry/session.js';
import { startTestRegistry, type TestRegistry } from '../test/support/registry.js';
import { pushRandomImage } from '../test/support/synthetic-image.js';
import { startLatencyProxy, type LatencyProxy } from './latency-proxy.js';

const RUNS = 5;
const VERSION_RUNS = 11;
const LATENCY_MS = 50;
const DOCKER = '/usr/bin/docker';
const BUILDX_PLUGIN = '/usr/libexec/docker/cli-plugins/docker-buildx';
const root = projectRoot();
const BIN = join(root, 'bin', 'multiarch.js');

interface Sample {
  readonly wall: number;
  /** user + system CPU seconds of the tool's processes */
  readonly cpu: number;
  readonly requests: number;
  readonly probes: number;
}

interface Tool {
  readonly name: string;
  /** Runs the tool once, pushing to `tag`; returns its CPU seconds. */
  run(host: string, tag: string): Promise<number>;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** Runs a command under /usr/bin/time and returns its CPU seconds (user + system). */
async function timed(file: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-time-'));
  const out = join(dir, 'time');
  try {
    await execa('/usr/bin/time', ['-o', out, '-f', '%U %S', file, ...args], { env: { ...env }, extendEnv: true, timeout: 120_000 });
    const [user = 0, system = 0] = (await readFile(out, 'utf8')).trim().split('\n').at(-1)?.split(' ').map(Number) ?? [];
    return user + system;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** docker-buildx for the comparison only (not needed by the demo): Debian trixie's package, as setup-host installs QEMU. */
async function ensureBuildx(): Promise<void> {
  if (existsSync(BUILDX_PLUGIN)) return;
  process.stderr.write('bench: installing docker-buildx from trixie for the comparison\n');
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  await execa('apt-get', ['update', '-qq'], { env });
  await execa('apt-get', ['install', '-y', '-qq', '-t', 'trixie', '--no-install-recommends', 'docker-buildx'], { env });
  if (!existsSync(BUILDX_PLUGIN)) throw new Error(`docker-buildx installed but ${BUILDX_PLUGIN} is missing`);
}

function tools(sources: (host: string) => [string, string], dockerConfig: string): Tool[] {
  return [
    {
      name: '`docker manifest` create + annotate ×2 + push',
      async run(host, tag) {
        // a fresh DOCKER_CONFIG each run: docker manifest keeps a local cache there
        const config = await mkdtemp(join(tmpdir(), 'bench-docker-manifest-'));
        const env = { DOCKER_CONFIG: config };
        const list = `${host}/bench:${tag}`;
        const [amd64, arm64] = sources(host);
        try {
          let cpu = await timed(DOCKER, ['manifest', 'create', '--insecure', list, amd64, arm64], env);
          cpu += await timed(DOCKER, ['manifest', 'annotate', '--arch', 'amd64', '--os', 'linux', list, amd64], env);
          cpu += await timed(DOCKER, ['manifest', 'annotate', '--arch', 'arm64', '--variant', 'v8', '--os', 'linux', list, arm64], env);
          cpu += await timed(DOCKER, ['manifest', 'push', '--insecure', list], env);
          return cpu;
        } finally {
          await rm(config, { recursive: true, force: true });
        }
      },
    },
    {
      name: '`docker buildx imagetools create`',
      run: (host, tag) => timed(DOCKER, ['buildx', 'imagetools', 'create', '-t', `${host}/bench:${tag}`, ...sources(host)], { DOCKER_CONFIG: dockerConfig }),
    },
    {
      name: '`multiarch index create` (installed bin)',
      run: (host, tag) => timed(process.execPath, [BIN, 'index', 'create', `${host}/bench:${tag}`, ...sources(host)], { DOCKER_CONFIG: dockerConfig }),
    },
  ];
}

interface Setting {
  readonly label: string;
  readonly host: string;
  /** Requests and probes seen so far (proxy) or logged so far (registry). */
  readonly seen: () => { requests: string[]; probes: number };
}

interface Comparison {
  readonly samples: Map<string, Sample[]>;
  /** What each tool sent in its last run. */
  readonly lastLog: Map<string, string[]>;
}

async function compare(setting: Setting, list: readonly Tool[]): Promise<Comparison> {
  const samples = new Map<string, Sample[]>(list.map((tool) => [tool.name, []]));
  const lastLog = new Map<string, string[]>();
  for (let round = -1; round < RUNS; round++) {
    for (const [index, tool] of list.entries()) {
      const tag = `t${index}-${setting.label.replace(/\W+/g, '')}-${round + 1}-${Date.now().toString(36)}`;
      await new Promise((r) => setTimeout(r, 100)); // let the access log catch up
      const before = setting.seen();
      const start = performance.now();
      const cpu = await tool.run(setting.host, tag);
      const wall = (performance.now() - start) / 1000;
      await new Promise((r) => setTimeout(r, 150));
      const after = setting.seen();
      const requests = after.requests.slice(before.requests.length);
      if (round >= 0) samples.get(tool.name)?.push({ wall, cpu, requests: requests.length, probes: after.probes - before.probes });
      lastLog.set(tool.name, requests);
    }
  }
  return { samples, lastLog };
}

async function versionTimes(): Promise<{ node: number[]; version: number[] }> {
  const node: number[] = [];
  const version: number[] = [];
  for (let i = -1; i < VERSION_RUNS; i++) {
    let start = performance.now();
    await execa(process.execPath, ['-e', '0']);
    if (i >= 0) node.push((performance.now() - start) / 1000);
    start = performance.now();
    await execa(process.execPath, [BIN, '--version']);
    if (i >= 0) version.push((performance.now() - start) / 1000);
  }
  return { node, version };
}

function fmt(seconds: number): string {
  return `${(seconds * 1000).toFixed(0)} ms`;
}

function table(results: Map<string, Sample[]>, reference: string): string {
  const ref = median((results.get(reference) ?? []).map((s) => s.wall));
  const rows = [...results.entries()].map(([name, samples]) => {
    const walls = samples.map((s) => s.wall);
    const speed = ref / median(walls);
    const requests = [...new Set(samples.map((s) => s.requests))].join(', ');
    const probes = [...new Set(samples.map((s) => s.probes))].join(', ');
    return `| ${name} | ${fmt(median(walls))} | ${fmt(Math.min(...walls))}–${fmt(Math.max(...walls))} | ${fmt(median(samples.map((s) => s.cpu)))} | ${speed.toFixed(2)}× | ${requests} | ${probes} |`;
  });
  return `| tool | median wall | range | median CPU | speed vs imagetools | HTTP requests | HTTPS probes |\n|---|---|---|---|---|---|---|\n${rows.join('\n')}`;
}

function summarise(lines: readonly string[]): string {
  return lines.map((l) => l.replace(/^.*?"(\w+ \S+) HTTP[^"]*" (\d+).*$/, '$1 → $2').replace(/sha256:([a-f0-9]{12})[a-f0-9]{52}/g, 'sha256:$1…')).join('\n');
}

await ensureBuildx();
process.stderr.write('bench: bundling the CLI (npm run build:cli)\n');
await execa(process.execPath, [join(root, 'bin', 'build-cli.mjs')], { cwd: root, stdio: 'inherit' });

let registry: TestRegistry | undefined;
let proxy: LatencyProxy | undefined;
const dockerConfig = await mkdtemp(join(tmpdir(), 'bench-docker-config-'));
try {
  registry = await startTestRegistry();
  const reg = registry;
  proxy = await startLatencyProxy({ upstream: reg.url, delayMs: LATENCY_MS });
  const prox = proxy;
  const session = new RegistrySession();
  const client = session.client(reg.host);
  await pushRandomImage(client, 'bench', 'latest-amd64', { architecture: 'amd64' });
  await pushRandomImage(client, 'bench', 'latest-arm64v8', { architecture: 'arm64' });
  const sources = (host: string): [string, string] => [`${host}/bench:latest-amd64`, `${host}/bench:latest-arm64v8`];
  const list = tools(sources, dockerConfig);
  const imagetools = list[1]?.name ?? '';

  const loopback = await compare({ label: 'loopback', host: reg.host, seen: () => ({ requests: reg.accessLog(), probes: 0 }) }, list);
  const slow = await compare({ label: `${LATENCY_MS} ms`, host: prox.host, seen: () => ({ requests: prox.requests(), probes: prox.probes() }) }, list);

  // the library in-process, with one session (no process start-up, no connection set-up after the first run)
  const library: number[] = [];
  for (const [label, host] of [['loopback', reg.host], [`${LATENCY_MS} ms`, prox.host]] as const) {
    for (let i = -1; i < RUNS; i++) {
      const start = performance.now();
      await createIndex({ session, target: `${host}/bench:lib-${label.replace(/\W+/g, '')}-${i + 1}`, sources: sources(host) });
      if (i >= 0) library.push((performance.now() - start) / 1000);
    }
  }
  await session.close();
  const { node, version } = await versionTimes();

  const wall = (results: Comparison, index: number): number => median((results.samples.get(list[index]?.name ?? '') ?? []).map((s) => s.wall));
  const goals = [
    ['at 50 ms per request: at least as fast as imagetools', wall(slow, 2) <= wall(slow, 1), `${fmt(wall(slow, 2))} vs ${fmt(wall(slow, 1))} (${(wall(slow, 1) / wall(slow, 2)).toFixed(2)}×)`],
    ['at 50 ms per request: ≥3× faster than docker manifest', wall(slow, 0) / wall(slow, 2) >= 3, `${(wall(slow, 0) / wall(slow, 2)).toFixed(2)}×`],
    ['on loopback: ≥0.67× imagetools’ speed', wall(loopback, 1) / wall(loopback, 2) >= 0.67, `${(wall(loopback, 1) / wall(loopback, 2)).toFixed(2)}×`],
    ['`multiarch --version` within 1.3× of `node -e 0`', median(version) / median(node) <= 1.3, `${fmt(median(version))} vs ${fmt(median(node))} (${(median(version) / median(node)).toFixed(2)}×)`],
  ] as const;

  const report = `# Registry benchmark: multi-arch index creation, three tools

Generated by \`npx tsx bench/registry.ts\` (part of \`npm run bench\`) on ${new Date().toISOString().slice(0, 10)}: Node ${process.version},
${process.platform}/${process.arch}, ${cpus().length} CPUs, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')} at the end (the machine is shared: absolute times are noisy; compare
tools within one run). docker ${(await execa(DOCKER, ['version', '-f', '{{.Client.Version}}'], { reject: false })).stdout.trim()}, buildx ${(await execa(DOCKER, ['buildx', 'version'], { reject: false })).stdout.split(' ')[1] ?? '?'}.

Same private \`docker-registry\` (Distribution ${(await execa('docker-registry', ['--version'], { reject: false })).stdout.split(' ').at(-1) ?? '?'}) on 127.0.0.1, same two one-layer per-arch images
(amd64, arm64/v8), a fresh target tag for every run. Whole processes, each tool's runs
interleaved with the others', median of ${RUNS} after one warm-up. Requests counted from
the registry's access log (loopback) or by the latency proxy (50 ms), which also counts
connections that are not HTTP (Docker's HTTPS probes of an insecure registry).

## Goals

| goal | met | measured |
|---|---|---|
${goals.map(([goal, ok, measured]) => `| ${goal} | ${ok ? 'yes' : '**no**'} | ${measured} |`).join('\n')}

Where a goal is missed, why: at ${LATENCY_MS} ms a run of ours has three round trips one after
the other that no client can avoid (a source's manifest, then its config, which alone holds
the platform, then the index PUT; the reads of both sources and the HEAD of the target go
out together), so its floor is 3 × ${LATENCY_MS} ms plus the registry's PUT time plus starting
Node (\`node -e 0\` below) plus loading the CLI. \`docker manifest\` pays its 8 requests and 2
HTTPS probes one after another across four processes; a third of its time is about that
floor, so 3× is reached only when nothing else is slow.

## ${LATENCY_MS} ms per request (proxy in front of the registry)

${table(slow.samples, imagetools)}

## Loopback

${table(loopback.samples, imagetools)}

## Start-up

| command | median wall (${VERSION_RUNS} runs) |
|---|---|
| \`node -e 0\` | ${fmt(median(node))} |
| \`multiarch --version\` (installed bin) | ${fmt(median(version))} |

In-process \`createIndex()\` with one \`RegistrySession\` (for reference; no process
start-up): ${fmt(median(library.slice(0, RUNS)))} on loopback, ${fmt(median(library.slice(RUNS)))} at ${LATENCY_MS} ms per request.

## Requests of the last run (${LATENCY_MS} ms setting, as the proxy saw them)

${list.map((tool) => `${tool.name}:\n\n\`\`\`\n${(slow.lastLog.get(tool.name) ?? []).map((l) => l.replace(/sha256:([a-f0-9]{12})[a-f0-9]{52}/g, 'sha256:$1…')).join('\n')}\n\`\`\``).join('\n\n')}

Loopback, \`multiarch index create\`, from the registry's access log:

\`\`\`
${summarise(loopback.lastLog.get(list[2]?.name ?? '') ?? [])}
\`\`\`
`;
  await writeFile(join(root, 'bench', 'results', 'registry.md'), report);
  process.stdout.write(report);
} finally {
  await proxy?.stop();
  await registry?.stop();
  await rm(dockerConfig, { recursive: true, force: true });
}
