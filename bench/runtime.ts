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
import puppeteer from 'puppeteer-core';
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

/** Sums VmRSS of every Chromium process below this one (the bench launches them all). */
async function chromiumTreeRssKiB(): Promise<number> {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  const rss = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    const pid = Number(entry);
    parents.set(pid, Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0));
    names.set(pid, /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '');
    rss.set(pid, Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0));
  }
  let total = 0;
  for (const [pid, name] of names) {
    if (!/chrom/i.test(name)) continue;
    for (let ancestor = parents.get(pid); ancestor !== undefined && ancestor > 1; ancestor = parents.get(ancestor)) {
      if (ancestor === process.pid) {
        total += rss.get(pid) ?? 0;
        break;
      }
    }
  }
  return total;
}

/**
 * CPU time (ms) used so far by this process and every live descendant, each counted with
 * the time of the children it has reaped: load-independent, unlike throughput on a shared
 * host. Descendants that died in a run were reaped inside the tree, so nothing is lost.
 */
async function treeCpuMs(): Promise<number> {
  const parents = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.length < 20) continue;
    parents.set(Number(entry), Number(fields[1]));
    // utime, stime, cutime, cstime: fields 14–17 of stat, 11–14 after the command name.
    ticks.set(Number(entry), [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0));
  }
  let total = 0;
  for (const [pid, value] of ticks) {
    for (let current: number | undefined = pid; current !== undefined && current > 1; current = parents.get(current)) {
      if (current === process.pid) {
        total += value;
        break;
      }
    }
  }
  return total * 10; // USER_HZ is 100 on Linux
}

/** Runs `total` jobs with `concurrency` workers; returns latencies (ms), wall time and peak RSS. */
async function measure(concurrency: number, total: number, job: () => Promise<void>): Promise<Measured> {
  const cpuAtStart = await treeCpuMs();
  let peakKiB = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakKiB = Math.max(peakKiB, await chromiumTreeRssKiB());
      await new Promise((r) => setTimeout(r, 100));
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
  return { latencies, wallMs, peakKiB, cpuMs: (await treeCpuMs()) - cpuAtStart };
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
  `Workload: ${VIEWPORT.width}×${VIEWPORT.height} PNG screenshots of a local page (127.0.0.1). Both modes use the same Chromium flags. The service is driven over HTTP (token, schema validation, SSRF guard and egress proxy all on); launch-per-request is a plain puppeteer-core script. Peak RSS is the sum over all Chromium processes of the run, sampled every 100 ms.`,
  '',
  '| mode | concurrency | requests | throughput (req/s) | p50 (ms) | p95 (ms) | peak Chromium RSS (MiB) | CPU per request (ms) |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.mode} | ${r.concurrency} | ${r.requests} | ${fmt(r.throughput)} | ${fmt(r.p50, 0)} | ${fmt(r.p95, 0)} | ${fmt(r.peakRssMiB, 0)} | ${fmt(r.cpuPerRequestMs, 0)} |`),
  '',
  'CPU per request: user + system time of the bench process and all its descendants (Chromium included), divided by requests; it does not depend on what else the host runs.',
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
