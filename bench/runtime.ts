/**
 * Runtime benchmark (issue 7): 800×600 screenshots of a local page at concurrency 1, 4, 8 —
 * the service's warm pool (one browser, fresh context per request, over HTTP) against a
 * plain puppeteer-core script that launches a browser per request, same run, same flags.
 * Throughput, p50/p95 latency, and peak RSS of the Chromium process tree. Then, when an
 * amd64 image tag is available, container start to first successful screenshot.
 * Writes bench/results/runtime.md. Run: npx tsx bench/runtime.ts
 * Image: BROWSE_BENCH_IMAGE, else the first local tag of multiarch-test-image:it-amd64 or
 * multiarch-dev:amd64; BROWSE_BENCH_IMAGE=skip skips the container figure.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { cpus, loadavg, totalmem } from 'node:os';
import { promisify } from 'node:util';
// puppeteer-core lives in image/ (installed by setup --project-node with the Node it needs), not in the root package
import puppeteer from '../image/node_modules/puppeteer-core/lib/puppeteer/puppeteer-core.js';
import { chromiumArgs } from '../image/runtime/src/browser/launch.js';
import { resolveBrowserConfig, resolveServiceConfig } from '../image/runtime/src/config.js';
import { silentLogger } from '../image/runtime/src/log.js';
import { startService } from '../image/runtime/src/server/service.js';

const run = promisify(execFile);
const TOKEN = 'bench-token-0123456789abcdef';
const LEVELS = [1, 4, 8];
const VIEWPORT = { width: 800, height: 600 };

interface Row {
  readonly mode: string;
  readonly concurrency: number;
  readonly requests: number;
  readonly throughput: number;
  readonly p50: number;
  readonly p95: number;
  readonly peakRssMiB: number;
  readonly cpuPerRequestMs: number;
}

// A page with a little layout and text, served from loopback.
const PAGE = `<!doctype html><html><head><title>bench</title><style>body{font:16px sans-serif;margin:2em}
.card{display:inline-block;width:160px;height:90px;margin:8px;background:linear-gradient(#39c,#036);color:#fff;padding:8px;border-radius:8px}</style></head>
<body><h1>Runtime benchmark</h1>${Array.from({ length: 12 }, (_, i) => `<div class="card">card ${i}</div>`).join('')}</body></html>`;

const pageServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
const pagePort = (pageServer.address() as { port: number }).port;
const pageUrl = `http://127.0.0.1:${pagePort}/`;

/**
 * Per-process CPU ticks (user + system) of this process and every live descendant, and
 * their RSS. Sampled through a run and kept per pid (last value seen), because Chromium's
 * helpers are orphaned when a browser is closed and their time never reaches our tree's
 * cumulative counters; at most one sampling interval of a process's life is missed.
 */
async function sampleTree(): Promise<{ ticks: Map<number, number>; chromiumRssKiB: number }> {
  const parents = new Map<number, number>();
  const info = new Map<number, { ticks: number; rss: number; chromium: boolean }>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const [stat, status] = await Promise.all([readFile(`/proc/${entry}/stat`, 'utf8').catch(() => ''), readFile(`/proc/${entry}/status`, 'utf8').catch(() => '')]);
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.length < 20) continue;
    parents.set(Number(entry), Number(fields[1]));
    // utime and stime are fields 14 and 15 of stat: 11 and 12 after the command name.
    const name = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '';
    info.set(Number(entry), { ticks: Number(fields[11]) + Number(fields[12]), rss: Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0), chromium: /chrom/i.test(name) });
  }
  const ticks = new Map<number, number>();
  let chromiumRssKiB = 0;
  for (const [pid, value] of info) {
    for (let current: number | undefined = pid; current !== undefined && current > 1; current = parents.get(current)) {
      if (current === process.pid) {
        ticks.set(pid, value.ticks);
        if (value.chromium) chromiumRssKiB += value.rss;
        break;
      }
    }
  }
  return { ticks, chromiumRssKiB };
}

/** Runs `total` jobs with `concurrency` workers; returns latencies (ms), wall time and peak RSS. */
async function measure(concurrency: number, total: number, job: () => Promise<void>): Promise<Measured> {
  const atStart = (await sampleTree()).ticks;
  const lastSeen = new Map<number, number>(atStart);
  let peakKiB = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const sample = await sampleTree();
      peakKiB = Math.max(peakKiB, sample.chromiumRssKiB);
      for (const [pid, value] of sample.ticks) lastSeen.set(pid, value);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next += 1;
        const t0 = performance.now();
        await job();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const wallMs = performance.now() - started;
  sampling = false;
  await sampler;
  for (const [pid, value] of (await sampleTree()).ticks) lastSeen.set(pid, value);
  let ticks = 0;
  for (const [pid, value] of lastSeen) ticks += value - (atStart.get(pid) ?? 0);
  // USER_HZ is 100 on Linux: one tick is 10 ms.
  return { latencies, wallMs, peakKiB, cpuMs: ticks * 10 };
}

interface Measured {
  readonly latencies: number[];
  readonly wallMs: number;
  readonly peakKiB: number;
  readonly cpuMs: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function row(mode: string, concurrency: number, result: Measured): Row {
  return {
    mode,
    concurrency,
    requests: result.latencies.length,
    throughput: result.latencies.length / (result.wallMs / 1000),
    p50: percentile(result.latencies, 50),
    p95: percentile(result.latencies, 95),
    peakRssMiB: result.peakKiB / 1024,
    cpuPerRequestMs: result.cpuMs / result.latencies.length,
  };
}

const rows: Row[] = [];
const loadAtStart = loadavg()[0] ?? NaN;
const browserConfig = resolveBrowserConfig(process.env);

// 1. The service's warm pool, driven over HTTP like any client.
{
  const config = resolveServiceConfig({ BROWSE_HOST: '127.0.0.1', BROWSE_PORT: '0', BROWSE_TOKEN: TOKEN, BROWSE_ALLOW: '127.0.0.1', BROWSE_MAX_CONCURRENCY: '8', BROWSE_QUEUE: '64', BROWSE_RESTART_AFTER: '100000', PUPPETEER_EXECUTABLE_PATH: browserConfig.executablePath });
  const service = await startService(config, { log: silentLogger });
  const shot = async (): Promise<void> => {
    const response = await fetch(`${service.url}/screenshot`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ url: pageUrl, viewport: VIEWPORT }) });
    if (response.status !== 200) throw new Error(`screenshot: HTTP ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  };
  await shot();
  await shot();
  for (const c of LEVELS) {
    rows.push(row('service (warm pool, context per request)', c, await measure(c, Math.max(16, 6 * c), shot)));
    process.stderr.write(`pool c=${c} done\n`);
  }
  await service.close();
}

// 2. A plain puppeteer-core script: launch, open, screenshot, close — per request. First
// with exactly the service's flags; then with the image's CHROMIUM_EXTRA_FLAGS, which add
// --no-zygote (what a user's own script in the amd64 image gets).
for (const [mode, extra] of [
  ['launch per request (puppeteer-core, same flags)', []],
  ['launch per request (puppeteer-core, + --no-zygote as in the image)', ['--no-zygote']],
] as const) {
  const shot = async (): Promise<void> => {
    const browser = await puppeteer.launch({ executablePath: browserConfig.executablePath, headless: true, args: [...chromiumArgs({ browser: browserConfig }), ...extra] });
    try {
      const page = await browser.newPage();
      await page.setViewport(VIEWPORT);
      await page.goto(pageUrl, { waitUntil: 'load' });
      await page.screenshot({ type: 'png' });
    } finally {
      await browser.close();
    }
  };
  await shot();
  for (const c of LEVELS) {
    rows.push(row(mode, c, await measure(c, Math.max(8, 3 * c), shot)));
    process.stderr.write(`${mode} c=${c} done\n`);
  }
}
pageServer.close();

// 3. Container start to first successful screenshot, if an image is at hand.
async function pickImage(): Promise<string | null> {
  const wanted = process.env['BROWSE_BENCH_IMAGE'];
  if (wanted === 'skip') return null;
  for (const tag of wanted ? [wanted] : ['multiarch-test-image:it-amd64', 'multiarch-dev:amd64']) {
    if (await run('/usr/bin/docker', ['image', 'inspect', tag]).then(() => true, () => false)) return tag;
  }
  return null;
}

const image = await pickImage();
const startTimes: number[] = [];
if (image) {
  const page = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(page.address() as { port: number }).port}/`;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = 39_000 + Math.floor(Math.random() * 1000);
    const started = performance.now();
    // Host network: the service listens on 127.0.0.1 only and reaches the page on loopback.
    const { stdout } = await run('/usr/bin/docker', ['run', '-d', '--network', 'host', '-e', `BROWSE_TOKEN=${TOKEN}`, '-e', 'BROWSE_HOST=127.0.0.1', '-e', `BROWSE_PORT=${port}`, '-e', 'BROWSE_ALLOW=127.0.0.1', image]);
    const container = stdout.trim();
    try {
      for (;;) {
        const response = await fetch(`http://127.0.0.1:${port}/screenshot`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ url, viewport: VIEWPORT }) }).catch(() => null);
        if (response?.status === 200) break;
        if (performance.now() - started > 120_000) throw new Error('container never served a screenshot');
        await new Promise((r) => setTimeout(r, 50));
      }
      startTimes.push(performance.now() - started);
    } finally {
      await run('/usr/bin/docker', ['rm', '-f', container]);
    }
  }
  page.close();
}

// Report.
const loadAtEnd = loadavg()[0] ?? NaN;
const fmt = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const at = (mode: string, c: number): Row | undefined => rows.find((r) => r.mode.startsWith(mode) && r.concurrency === c);
const lines = [
  '# Runtime benchmark',
  '',
  `Generated by \`npx tsx bench/runtime.ts\` on ${new Date().toISOString()} — ${cpus().length} CPU cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Chromium at ${browserConfig.executablePath}, puppeteer-core 25.16.0.`,
  '',
  `1-minute load average at start ${loadAtStart.toFixed(1)}, at end ${loadAtEnd.toFixed(1)} (the host is shared: figures taken under load are not comparable with quiet-machine ones).`,
  '',
  `Workload: ${VIEWPORT.width}×${VIEWPORT.height} PNG screenshots of a local page (127.0.0.1). Both modes use the same Chromium flags. The service is driven over HTTP (token, schema validation, SSRF guard and egress proxy all on); launch-per-request is a plain puppeteer-core script. Peak RSS is the largest sum over all Chromium processes of the run, sampled every 50 ms.`,
  '',
  '| mode | concurrency | requests | throughput (req/s) | p50 (ms) | p95 (ms) | peak Chromium RSS (MiB) | CPU per request (ms) |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.mode} | ${r.concurrency} | ${r.requests} | ${fmt(r.throughput)} | ${fmt(r.p50, 0)} | ${fmt(r.p95, 0)} | ${fmt(r.peakRssMiB, 0)} | ${fmt(r.cpuPerRequestMs, 0)} |`),
  '',
  'CPU per request: user + system time of the bench process and every process below it (Chromium and its helpers, sampled per process every 50 ms so that orphaned helpers count too), divided by requests. Unlike throughput, it hardly depends on what else the shared host runs.',
  '',
  '| concurrency | throughput ÷ launch (same flags) | throughput ÷ launch (--no-zygote) | CPU per request: launch (same flags) ÷ service |',
  '| ---: | ---: | ---: | ---: |',
  ...LEVELS.map((c) => {
    const service = at('service', c);
    const same = at('launch per request (puppeteer-core, same', c);
    const noZygote = at('launch per request (puppeteer-core, +', c);
    return `| ${c} | ${fmt((service?.throughput ?? NaN) / (same?.throughput ?? NaN), 1)}× | ${fmt((service?.throughput ?? NaN) / (noZygote?.throughput ?? NaN), 1)}× | ${fmt((same?.cpuPerRequestMs ?? NaN) / (service?.cpuPerRequestMs ?? NaN), 1)}× |`;
  }),
  '',
  `Target: ≥ 5× at concurrency 4. Reference measured earlier on this machine: launch-per-request 0.52 req/s at c=4; warm browser with fresh context 2.24 req/s.`,
  '',
  '## Container start to first successful screenshot',
  '',
  image
    ? `Image \`${image}\` (amd64), \`docker run -d --network host\` to the first HTTP 200 from \`POST /screenshot\` (polling every 50 ms), ${startTimes.length} runs: ${startTimes.map((t) => `${(t / 1000).toFixed(2)} s`).join(', ')}; median ${(percentile(startTimes, 50) / 1000).toFixed(2)} s.`
    : 'Skipped: no amd64 image tag available (set BROWSE_BENCH_IMAGE).',
  '',
];
await writeFile(new URL('./results/runtime.md', import.meta.url), lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);
