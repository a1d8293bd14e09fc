/**
 * Runtime benchmark (issues 7 and 14): 800×600 PNG screenshots of a local page at
 * concurrency 4 in fixed time windows, every mode in the same run: launching Chromium per
 * request (a plain puppeteer-core script) against the service over HTTP, first as it was
 * before issue 14 (one spare page, the full Chromium), then with each lever alone
 * (more spare pages, flags that cut per-page work, Debian's chromium-headless-shell), then
 * with the levers the service now uses by default. Throughput, p50/p95, peak Chromium RSS
 * and CPU per request. Then output parity (screenshot, fonts, PDF) between Chromium and
 * the headless shell, and container start → first screenshot for the product image and a
 * derived image with chromium-headless-shell (bench/headless-shell.Dockerfile).
 * Writes bench/results/runtime.md. Run: npx tsx bench/runtime.ts
 * BROWSE_BENCH_WINDOW_MS (default 30000); BROWSE_BENCH_HEADLESS_SHELL: the headless shell
 * binary on this host (default /usr/lib/chromium/chromium-headless-shell); BROWSE_BENCH_IMAGE:
 * image ID or tag for the container figures (default multiarch-test-image:it-amd64), skip
 * to skip them.
 */
import { execFile } from 'node:child_process';
import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
// puppeteer-core lives with the image's packages (installed for the host by setup --project-node)
import puppeteer from '../image/node_modules/puppeteer-core/lib/puppeteer/puppeteer-core.js';
import { chromiumArgs, headlessMode, launchBrowser } from '../image/runtime/src/browser/launch.js';
import { resolveBrowserConfig, resolveServiceConfig } from '../image/runtime/src/config.js';
import { silentLogger } from '../image/runtime/src/log.js';
import { startService } from '../image/runtime/src/server/service.js';

const run = promisify(execFile);
const TOKEN = 'bench-token-0123456789abcdef';
const CONCURRENCY = 4;
const WINDOW_MS = Number(process.env['BROWSE_BENCH_WINDOW_MS'] ?? 30_000);
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

/** Runs jobs with `concurrency` workers for `windowMs`; returns latencies (ms), wall time, peak RSS and CPU. */
async function measure(concurrency: number, windowMs: number, job: () => Promise<void>): Promise<Measured> {
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
  const started = performance.now();
  // Workers start no new job after the window; the ones running finish and count.
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() - started < windowMs) {
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
const headlessShell = process.env['BROWSE_BENCH_HEADLESS_SHELL'] ?? '/usr/lib/chromium/chromium-headless-shell';
const haveShell = await access(headlessShell).then(() => true, () => false);
const LEAN_FLAGS = '--in-process-gpu --disable-gpu --disable-gpu-compositing';

// 1. Launch per request: the way a script without the service renders.
async function launchPerRequest(mode: string, executablePath: string): Promise<void> {
  const shot = async (): Promise<void> => {
    const browser = await puppeteer.launch({ executablePath, headless: headlessMode(executablePath), args: chromiumArgs({ browser: browserConfig }) });
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
  rows.push(row(mode, CONCURRENCY, await measure(CONCURRENCY, WINDOW_MS, shot)));
  process.stderr.write(`${mode} done\n`);
}

// 2. The service over HTTP (token, schema, SSRF guard, egress proxy all on).
async function serviceMode(mode: string, settings: Record<string, string>): Promise<void> {
  const config = resolveServiceConfig({ BROWSE_HOST: '127.0.0.1', BROWSE_PORT: '0', BROWSE_TOKEN: TOKEN, BROWSE_ALLOW: '127.0.0.1', BROWSE_MAX_CONCURRENCY: String(CONCURRENCY), BROWSE_QUEUE: '64', BROWSE_RESTART_AFTER: '100000', PUPPETEER_EXECUTABLE_PATH: browserConfig.executablePath, ...settings });
  const service = await startService(config, { log: silentLogger });
  const shot = async (): Promise<void> => {
    const response = await fetch(`${service.url}/screenshot`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ url: pageUrl, viewport: VIEWPORT }) });
    if (response.status !== 200) throw new Error(`screenshot: HTTP ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  };
  for (let i = 0; i < 4; i += 1) await shot();
  rows.push(row(mode, CONCURRENCY, await measure(CONCURRENCY, WINDOW_MS, shot)));
  await service.close();
  process.stderr.write(`${mode} done\n`);
}

const BEFORE = 'service before (1 spare page, Chromium)';
const AFTER = 'service after (2 spare pages, headless shell)';
await launchPerRequest('launch per request (Chromium)', browserConfig.executablePath);
await serviceMode(BEFORE, { BROWSE_SPARE_PAGES: '1' });
await serviceMode('service + 4 spare pages (pre-warmed while rendering)', { BROWSE_SPARE_PAGES: '4' });
await serviceMode(`service + flags (${LEAN_FLAGS})`, { BROWSE_SPARE_PAGES: '1', BROWSE_CHROMIUM_ARGS: LEAN_FLAGS });
if (haveShell) {
  await serviceMode('service + headless shell', { BROWSE_SPARE_PAGES: '1', BROWSE_EXECUTABLE_PATH: headlessShell });
  await serviceMode(AFTER, { BROWSE_EXECUTABLE_PATH: headlessShell });
  await serviceMode('service after + flags', { BROWSE_EXECUTABLE_PATH: headlessShell, BROWSE_CHROMIUM_ARGS: LEAN_FLAGS });
  await launchPerRequest('launch per request (headless shell)', headlessShell);
}

// 3. Parity: the same pages rendered by Chromium and by the headless shell.
const PARITY_PAGE = `<!doctype html><meta charset="utf-8"><body style="margin:16px;font:18px sans-serif">
<h1>Parity 漢字 かな 한글 😀</h1><p style="font-family:serif">Serif text, <b>bold</b>, <i>italic</i>.</p>
<p style="font-family:monospace">monospace 0123456789</p><div style="width:200px;height:60px;background:linear-gradient(90deg,#c00,#00c);border-radius:12px"></div></body>`;
interface Parity {
  readonly pixelsDiffering: number;
  readonly maxChannelDelta: number;
  readonly pdfPages: [number, number];
  readonly pdfBytes: [number, number];
  readonly fonts: [string, string];
}
async function renderWith(executablePath: string): Promise<{ png: Buffer; pdf: Buffer; fonts: string }> {
  const { browser, close } = await launchBrowser({ browser: { executablePath, extraArgs: [] } });
  try {
    const page = await browser.newPage();
    await page.setViewport(VIEWPORT);
    await page.setContent(PARITY_PAGE, { waitUntil: 'load' });
    const png = Buffer.from(await page.screenshot({ type: 'png' }));
    const pdf = Buffer.from(await page.pdf({ format: 'A4', printBackground: true }));
    // The fonts Chromium actually used for the text (CSS.getPlatformFontsForNode).
    const session = await page.createCDPSession();
    await session.send('DOM.enable');
    await session.send('CSS.enable');
    const { root } = await session.send('DOM.getDocument', { depth: -1 });
    const used = new Set<string>();
    for (const selector of ['h1', 'p', 'p + p']) {
      const { nodeId } = await session.send('DOM.querySelector', { nodeId: root.nodeId, selector });
      const { fonts } = await session.send('CSS.getPlatformFontsForNode', { nodeId });
      for (const font of fonts) used.add(font.familyName);
    }
    return { png, pdf, fonts: [...used].sort().join(', ') };
  } finally {
    await close();
  }
}
let parity: Parity | null = null;
if (haveShell) {
  const [full, shell] = [await renderWith(browserConfig.executablePath), await renderWith(headlessShell)];
  const a = PNG.sync.read(full.png);
  const b = PNG.sync.read(shell.png);
  let differing = 0;
  let maxDelta = 0;
  for (let i = 0; i < Math.min(a.data.length, b.data.length); i += 4) {
    const delta = Math.max(...[0, 1, 2, 3].map((c) => Math.abs((a.data[i + c] ?? 0) - (b.data[i + c] ?? 0))));
    if (delta > 0) differing += 1;
    maxDelta = Math.max(maxDelta, delta);
  }
  const pages = (pdf: Buffer): number => (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  parity = { pixelsDiffering: a.width === b.width && a.height === b.height ? differing : NaN, maxChannelDelta: maxDelta, pdfPages: [pages(full.pdf), pages(shell.pdf)], pdfBytes: [full.pdf.length, shell.pdf.length], fonts: [full.fonts, shell.fonts] };
}
pageServer.close();

// 4. Container start to first successful screenshot: the product image, and the same image
// with chromium-headless-shell added (which the service then picks by itself).
async function pickImage(): Promise<string | null> {
  const wanted = process.env['BROWSE_BENCH_IMAGE'];
  if (wanted === 'skip') return null;
  for (const tag of wanted ? [wanted] : ['multiarch-test-image:it-amd64', 'multiarch-dev:amd64']) {
    if (await run('/usr/bin/docker', ['image', 'inspect', tag]).then(() => true, () => false)) return tag;
  }
  return null;
}

async function startToFirstShot(image: string, expectShell = false): Promise<number[]> {
  const page = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(page.address() as { port: number }).port}/`;
  const times: number[] = [];
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
      times.push(performance.now() - started);
      const processes = (await run('/usr/bin/docker', ['exec', container, 'sh', '-c', 'cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" " "'])).stdout;
      if (expectShell !== processes.includes('chromium-headless-shell')) throw new Error(`${image}: the service ${expectShell ? 'did not pick' : 'picked'} the headless shell`);
    } finally {
      await run('/usr/bin/docker', ['rm', '-f', container]);
    }
  }
  page.close();
  return times;
}

const image = await pickImage();
const startTimes: Array<{ label: string; times: number[] }> = [];
const imageSizes: Array<{ label: string; bytes: number }> = [];
let containerProblem: string | null = null;
if (image) {
  try {
    await containerFigures(image);
  } catch (error) {
    // The shared dockerd may go away mid-run: keep the figures above, say what is missing.
    containerProblem = error instanceof Error ? error.message.split('\n')[0] ?? error.message : String(error);
  }
}

async function containerFigures(image: string): Promise<void> {
  startTimes.push({ label: `\`${image}\` (Chromium)`, times: await startToFirstShot(image) });
  const derived = 'browse-bench-headless-shell:amd64';
  const dockerfile = fileURLToPath(new URL('./headless-shell.Dockerfile', import.meta.url));
  // BuildKit's FROM takes a name, not an image ID: give the image a bench-local tag first.
  await run('/usr/bin/docker', ['tag', image, 'browse-bench-base:amd64']);
  await run('/usr/bin/docker', ['build', '-q', '--platform', 'linux/amd64', '-f', dockerfile, '--build-arg', 'IMAGE=browse-bench-base:amd64', '-t', derived, dirname(dockerfile)], { env: { ...process.env, DOCKER_BUILDKIT: '1' }, maxBuffer: 16 * 1024 * 1024 });
  // What the service in the derived image really runs: its browser's command line.
  const size = async (ref: string): Promise<number> => Number((await run('/usr/bin/docker', ['image', 'inspect', '-f', '{{.Size}}', ref])).stdout.trim());
  imageSizes.push({ label: image, bytes: await size(image) }, { label: derived, bytes: await size(derived) });
  startTimes.push({ label: `\`${derived}\` (headless shell)`, times: await startToFirstShot(derived, true) });
}

// What the levers mean (kept with the generator so that a re-run keeps it; the figures are in the table).
const NOTES = [
  '### Levers',
  '',
  '- **Headless shell** (Debian `chromium-headless-shell`, same source and version as `chromium`): the one lever that moves CPU per request by a large factor, because a page in the full browser\'s new headless mode carries the whole browser\'s per-tab machinery. Adopted: `browse serve` uses it whenever it is installed (`BROWSE_EXECUTABLE_PATH` overrides). It needs the package in the image (see the report of issue 14 for the Dockerfile line). Output parity below.',
  '- **Spare pages** (contexts + pages made while other jobs render): they move the renderer start off the request\'s path, not off the CPU, so on a CPU-bound host their effect is within run-to-run noise; they help latency when CPU is idle. Default 2 (`BROWSE_SPARE_PAGES`), each costs a renderer (~30 MiB).',
  '- **Flags** (`--in-process-gpu --disable-gpu --disable-gpu-compositing`): within noise in either direction across runs; not adopted (they stay available through `BROWSE_CHROMIUM_ARGS`).',
  '- "Launch per request (headless shell)" shows that the gain is not the binary alone: the warm service still needs less than half the CPU of launching even the lighter binary per request.',
];

// Report.
const loadAtEnd = loadavg()[0] ?? NaN;
const fmt = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const at = (mode: string): Row | undefined => rows.find((r) => r.mode === mode);
const launch = at('launch per request (Chromium)');
const before = at(BEFORE);
const lines = [
  '# Runtime benchmark',
  '',
  `Generated by \`npx tsx bench/runtime.ts\` on ${new Date().toISOString()} — ${cpus().length} CPU cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Chromium at ${browserConfig.executablePath}, headless shell at ${haveShell ? headlessShell : '(none)'}, puppeteer-core 25.16.0.`,
  '',
  `1-minute load average at start ${loadAtStart.toFixed(1)}, at end ${loadAtEnd.toFixed(1)} (the host is shared: throughput taken under load is not comparable with quiet-machine figures; CPU per request hardly depends on it).`,
  '',
  `Workload: ${VIEWPORT.width}×${VIEWPORT.height} PNG screenshots of a local page (127.0.0.1), concurrency ${CONCURRENCY}, ${WINDOW_MS / 1000} s window per mode, all modes in this run, one after another. The service is driven over HTTP (token, schema validation, SSRF guard and egress proxy all on); launch-per-request is a plain puppeteer-core script with the same flags. CPU per request: user + system time of the bench process and every process below it (Chromium and its helpers, sampled per process every 50 ms so that orphaned helpers count too), divided by requests. Peak RSS: largest sum over Chromium processes, sampled every 50 ms.`,
  '',
  '| mode | requests | throughput (req/s) | × launch | p50 (ms) | p95 (ms) | peak Chromium RSS (MiB) | CPU per request (ms) | CPU: launch ÷ mode | CPU vs service before |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.mode} | ${r.requests} | ${fmt(r.throughput)} | ${fmt(r.throughput / (launch?.throughput ?? NaN), 1)}× | ${fmt(r.p50, 0)} | ${fmt(r.p95, 0)} | ${fmt(r.peakRssMiB, 0)} | ${fmt(r.cpuPerRequestMs, 0)} | ${fmt((launch?.cpuPerRequestMs ?? NaN) / r.cpuPerRequestMs, 1)}× | ${fmt((100 * (r.cpuPerRequestMs - (before?.cpuPerRequestMs ?? NaN))) / (before?.cpuPerRequestMs ?? NaN), 0)} % |`),
  '',
  `Target: ≥ 5× the throughput of launch-per-request (Chromium) at concurrency ${CONCURRENCY}.`,
  '',
  ...NOTES,
  '',
  '## Parity: Chromium vs headless shell',
  '',
  parity
    ? `Same page (Latin serif/sans/mono, CJK, emoji, gradient) at ${VIEWPORT.width}×${VIEWPORT.height}: ${parity.pixelsDiffering} of ${VIEWPORT.width * VIEWPORT.height} pixels differ (largest channel difference ${parity.maxChannelDelta}/255). Fonts used — Chromium: ${parity.fonts[0]}; headless shell: ${parity.fonts[1]}. A4 PDF with backgrounds: ${parity.pdfPages[0]} vs ${parity.pdfPages[1]} page(s), ${parity.pdfBytes[0]} vs ${parity.pdfBytes[1]} bytes.`
    : 'Skipped: no headless shell on this host (set BROWSE_BENCH_HEADLESS_SHELL).',
  '',
  '## Container start to first successful screenshot',
  '',
  ...(startTimes.length > 0
    ? startTimes.map(({ label, times }) => `- ${label}: \`docker run -d --network host\` to the first HTTP 200 from \`POST /screenshot\` (polling every 50 ms), ${times.length} runs: ${times.map((t) => `${(t / 1000).toFixed(2)} s`).join(', ')}; median ${(percentile(times, 50) / 1000).toFixed(2)} s.`)
    : ['Skipped: no amd64 image available (set BROWSE_BENCH_IMAGE).']),
  ...(imageSizes.length > 0 ? ['', `Image size (docker image inspect): ${imageSizes.map(({ label, bytes }) => `${label} ${(bytes / 2 ** 20).toFixed(0)} MiB`).join('; ')}.`] : []),
  ...(containerProblem ? ['', `Container figures incomplete: ${containerProblem}`] : []),
  '',
];
await writeFile(new URL('./results/runtime.md', import.meta.url), lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);
