/**
 * `multiarch pipeline` wall time (both arches in parallel, tiny image, local Docker + QEMU)
 * against the same steps run one after another, and the orchestration's own overhead:
 * pipeline time − (slowest arch's build + smoke + push + index). Each build is real (a
 * nonce build arg defeats the cache for the RUN layer). Writes bench/results/pipeline.md.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Arch } from '../src/arch.js';
import { createLocalDockerBuilder } from '../src/build/local-docker.js';
import { resolveConfig } from '../src/config/load-config.js';
import { DockerCli } from '../src/docker/docker-cli.js';
import { pushImage } from '../src/docker/push-image.js';
import { executePipeline } from '../src/pipeline/execute-pipeline.js';
import { createRegistryServices } from '../src/pipeline/registry-services.js';
import { commandSmokeTester } from '../src/pipeline/smoke-testers.js';
import { startTestRegistry } from '../test/support/registry.js';
import { TINY_DOCKERFILE } from '../test/integration/pipeline/fixtures.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const SMOKE = ['sh', '-c', 'grep -q "^$(dpkg --print-architecture) " /arch'];
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const s = (ms: number): string => (ms / 1000).toFixed(2);

const registry = await startTestRegistry();
const context = await mkdtemp(join(tmpdir(), 'bench-pipeline-'));
await writeFile(join(context, 'Dockerfile'), TINY_DOCKERFILE);
const docker = new DockerCli();
const services = createRegistryServices();
const rows: { mode: string; wall: number; overhead?: number; slowest?: number }[] = [];

try {
  for (let run = 0; run < RUNS; run += 1) {
    // parallel: the product's orchestration
    const config = resolveConfig({ registry: registry.host, repository: 'bench', tag: `p${run}`, build: { context, args: { NONCE: `p${run}-${Date.now()}` } }, smokeTest: { command: SMOKE }, logDir: join(context, 'logs') });
    const started = Date.now();
    const report = await executePipeline(config, { projectDir: process.cwd(), productContextDir: context, stateDir: context, registry: services });
    const wall = Date.now() - started;
    if (report.status !== 'published') throw new Error(`pipeline failed: ${report.error?.message ?? ''}`);
    const stepSum = report.arches.map((a) => (a.steps.build ?? 0) + (a.steps['smoke-test'] ?? 0) + (a.steps.push ?? 0));
    const slowest = Math.max(...stepSum) + (report.indexMs ?? 0);
    rows.push({ mode: 'pipeline (parallel)', wall, slowest, overhead: wall - slowest });

    // sequential: the same steps, one arch after the other, then the index
    const seqStarted = Date.now();
    const builder = createLocalDockerBuilder({ docker });
    const tester = commandSmokeTester(SMOKE);
    const digests: string[] = [];
    for (const arch of ['amd64', 'arm64'] as Arch[]) {
      const tag = `bench:s${run}-${arch}`;
      const logFile = join(context, 'logs', `seq-${run}-${arch}.log`);
      await builder.build({ arch, contextDir: context, dockerfile: join(context, 'Dockerfile'), tag, buildArgs: { NONCE: `s${run}-${Date.now()}` }, logFile });
      const outcome = await tester({ docker, image: tag, arch, signal: new AbortController().signal, logFile, timeoutMs: 600_000 });
      if (!outcome.passed) throw new Error(outcome.summary);
      digests.push((await pushImage({ docker, source: tag, target: `${registry.host}/${tag}`, logFile })).digest);
    }
    const target = `${registry.host}/bench:s${run}`;
    await services.createIndex({ target, sources: digests.map((d) => `${registry.host}/bench@${d}`) });
    await services.verifyImage({ reference: target });
    rows.push({ mode: 'same steps, sequential', wall: Date.now() - seqStarted });
    process.stderr.write(`run ${run + 1}/${RUNS}: pipeline ${s(wall)} s, sequential ${s(rows.at(-1)?.wall ?? 0)} s\n`);
  }
} finally {
  await registry.stop();
}

const par = rows.filter((r) => r.mode.startsWith('pipeline'));
const seq = rows.filter((r) => r.mode.startsWith('same'));
const md = `# Pipeline orchestration benchmark

Tiny image (FROM the local trixie base, one RUN layer defeated from the cache by a nonce),
both arches on this host's Docker (amd64 native, arm64 under QEMU), smoke test = one
\`docker run\`, push to a private loopback registry, then index create + verify.
${RUNS} runs each, medians. Host: ${process.platform}/${process.arch}, ${(await import('node:os')).cpus().length} CPUs.

| mode | median wall (s) | runs (s) |
|---|---|---|
| \`multiarch pipeline\` (arches in parallel) | ${s(median(par.map((r) => r.wall)))} | ${par.map((r) => s(r.wall)).join(', ')} |
| same steps one after another | ${s(median(seq.map((r) => r.wall)))} | ${seq.map((r) => s(r.wall)).join(', ')} |

Orchestration overhead = pipeline wall − (slowest arch's build + smoke test + push) − index:
median ${s(median(par.map((r) => r.overhead ?? 0)))} s (runs: ${par.map((r) => s(r.overhead ?? 0)).join(', ')}); slowest arch's steps + index: ${par.map((r) => s(r.slowest ?? 0)).join(', ')} s.
The overhead covers config/plan, reading the tag's previous digest, per-arch image
inspect and size lookups, and log housekeeping.
`;
await writeFile(join(process.cwd(), 'bench', 'results', 'pipeline.md'), md);
process.stdout.write(md);
