/**
 * `multiarch pipeline` wall time (both arches in parallel, tiny image, local Docker + QEMU)
 * against the same steps run one after another, and the orchestration's own overhead:
 * pipeline time − (slowest arch's build + smoke + push + index). Each build is real (a
 * nonce build arg defeats the cache for the RUN layer). One warm-up round first (it pays
 * the base layers' upload to the fresh registry; not counted), then ≥5 rounds that
 * alternate which mode goes first, so neither mode always finds a warmer host. Medians.
 * Writes bench/results/pipeline.md; removes the images it tagged on the engine.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Arch } from '../src/arch.js';
import { createLocalDockerBuilder } from '../src/builders/local-docker.js';
import { resolveConfig } from '../src/config/load-config.js';
import { DockerCli } from '../src/docker/docker-cli.js';
import { pushImage } from '../src/docker/push-image.js';
import { executePipeline } from '../src/pipeline/execute-pipeline.js';
import { createRegistryServices } from '../src/pipeline/registry-services.js';
import { commandSmokeTester } from '../src/pipeline/smoke-testers.js';
import { startTestRegistry } from '../test/support/registry.js';
import { removeImages, TINY_DOCKERFILE } from '../test/integration/pipeline/fixtures.js';

const RUNS = Math.max(5, Number(process.env['BENCH_RUNS'] ?? 5));
const REPO = 'bench-pipeline';
const SMOKE = ['sh', '-c', 'grep -q "^$(dpkg --print-architecture) " /arch'];
const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
const s = (ms: number): string => (ms / 1000).toFixed(2);
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' / ');

const registry = await startTestRegistry();
const context = await mkdtemp(join(tmpdir(), 'bench-pipeline-'));
await writeFile(join(context, 'Dockerfile'), TINY_DOCKERFILE);
const docker = new DockerCli();
const services = createRegistryServices({ registry: registry.host, repository: REPO });
const loadBefore = load();

/** The product's orchestration: both arches in parallel, then the index. */
async function parallel(label: string): Promise<{ wall: number; slowest: number; overhead: number }> {
  const config = resolveConfig({ registry: registry.host, repository: REPO, tag: label, build: { context, args: { NONCE: `${label}-${Date.now()}` } }, smokeTest: { command: SMOKE }, logDir: join(context, 'logs') });
  const started = Date.now();
  const report = await executePipeline(config, { projectDir: process.cwd(), productContextDir: context, stateDir: context, registry: services });
  const wall = Date.now() - started;
  if (report.status !== 'published') throw new Error(`pipeline failed: ${report.error?.message ?? ''}`);
  const stepSum = report.arches.map((a) => (a.steps.build ?? 0) + (a.steps['smoke-test'] ?? 0) + (a.steps.push ?? 0));
  const slowest = Math.max(...stepSum) + (report.indexMs ?? 0);
  return { wall, slowest, overhead: wall - slowest };
}

/** The same steps, one arch after the other, then the index. */
async function sequential(label: string): Promise<number> {
  const started = Date.now();
  const builder = createLocalDockerBuilder({ docker });
  const tester = commandSmokeTester(SMOKE);
  const digests: string[] = [];
  for (const arch of ['amd64', 'arm64'] as Arch[]) {
    const tag = `${REPO}:${label}-${arch}`;
    const logFile = join(context, 'logs', `${label}-${arch}.log`);
    await builder.build({ arch, contextDir: context, dockerfile: join(context, 'Dockerfile'), tag, buildArgs: { NONCE: `${label}-${Date.now()}` }, logFile });
    const outcome = await tester({ docker, image: tag, arch, signal: new AbortController().signal, logFile, timeoutMs: 600_000 });
    if (!outcome.passed) throw new Error(outcome.summary);
    digests.push((await pushImage({ docker, source: tag, target: `${registry.host}/${tag}`, logFile })).digest);
  }
  const index = await services.pushIndex(`${registry.host}/${REPO}`, digests.map((d) => `${registry.host}/${REPO}@${d}`));
  await services.verifyImage(`${registry.host}/${REPO}@${index.digest}`);
  await services.moveTag(`${registry.host}/${REPO}`, label, index.digest);
  return Date.now() - started;
}

const par: { wall: number; slowest: number; overhead: number; first: boolean }[] = [];
const seq: { wall: number; first: boolean }[] = [];
try {
  await parallel('warm-p');
  await sequential('warm-s');
  process.stderr.write(`warm-up done (load ${load()})\n`);
  for (let run = 0; run < RUNS; run += 1) {
    const parallelFirst = run % 2 === 0;
    if (parallelFirst) {
      par.push({ ...(await parallel(`p${run}`)), first: true });
      seq.push({ wall: await sequential(`s${run}`), first: false });
    } else {
      seq.push({ wall: await sequential(`s${run}`), first: true });
      par.push({ ...(await parallel(`p${run}`)), first: false });
    }
    process.stderr.write(`run ${run + 1}/${RUNS} (${parallelFirst ? 'parallel' : 'sequential'} first): pipeline ${s(par.at(-1)?.wall ?? 0)} s, sequential ${s(seq.at(-1)?.wall ?? 0)} s\n`);
  }
} finally {
  await registry.stop();
  await removeImages([REPO, `${registry.host}/${REPO}`]);
  await rm(context, { recursive: true, force: true });
}

const cpu = cpus();
const runs = (xs: { wall: number; first: boolean }[]): string => xs.map((r) => `${s(r.wall)}${r.first ? '*' : ''}`).join(', ');
const md = `# Pipeline orchestration benchmark

Tiny image (FROM the local trixie base, one RUN layer defeated from the cache by a nonce),
both arches on this host's Docker (amd64 native, arm64 under QEMU), smoke test = one
\`docker run\`, push to a private loopback registry, then index create + verify.
One warm-up round (not counted), then ${RUNS} rounds alternating which mode runs first
(\`*\` marks the mode that went first in its round); medians.

Machine: ${process.platform}/${process.arch}, ${cpu.length} × ${cpu[0]?.model.trim() ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; load average (1/5/15 min) ${loadBefore} at start, ${load()} at end (shared host: other work ran alongside).

| mode | median wall (s) | runs (s) |
|---|---|---|
| \`multiarch pipeline\` (arches in parallel) | ${s(median(par.map((r) => r.wall)))} | ${runs(par)} |
| same steps one after another | ${s(median(seq.map((r) => r.wall)))} | ${runs(seq)} |

Orchestration overhead = pipeline wall − (slowest arch's build + smoke test + push) − index:
median ${s(median(par.map((r) => r.overhead)))} s (runs: ${par.map((r) => s(r.overhead)).join(', ')}); slowest arch's steps + index: ${par.map((r) => s(r.slowest)).join(', ')} s.
The overhead covers config/plan, reading the tag's previous digest, per-arch image
inspect and size lookups, and log housekeeping.
`;
await writeFile(join(process.cwd(), 'bench', 'results', 'pipeline.md'), md);
process.stdout.write(md);
