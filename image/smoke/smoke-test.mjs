// Smoke test run INSIDE the image, as its default (non-root) user: proves that Node.js,
// Chromium and puppeteer-core work together on this CPU before the image is published.
// Plain JavaScript on purpose: it needs nothing but the image, so CodeBuild runs it with
// `docker run -v "$PWD/image/smoke:/smoke:ro" IMAGE node /smoke/smoke-test.mjs`.
// Prints one JSON line (the report) on stdout; exit status 0 only if every check passed.
// With a writable /out (or SMOKE_OUT), leaves screenshot.png and page.pdf there for the
// host to validate further.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { accessSync, constants, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';
import { join } from 'node:path';

const started = Date.now();
const checks = [];
const timings = {};
const report = { arch: process.arch, checks, timings };

function check(name, ok, detail = '') {
  checks.push({ name, ok: Boolean(ok), detail: String(detail) });
  return Boolean(ok);
}

async function timed(name, fn) {
  const t0 = Date.now();
  try {
    return await fn();
  } finally {
    timings[name] = Date.now() - t0;
  }
}

function outDir() {
  const dir = process.env.SMOKE_OUT || '/out';
  try {
    accessSync(dir, constants.W_OK);
    return dir;
  } catch {
    return undefined;
  }
}

/** Width/height from IHDR and whether the pixels vary (a blank page has ~1 value). */
function describePng(buffer) {
  const signature = '89504e470d0a1a0a';
  if (buffer.subarray(0, 8).toString('hex') !== signature) return { valid: false };
  const width = buffer.readUInt32BE(16);
  const height = buffer.readUInt32BE(20);
  const idat = [];
  for (let offset = 8; offset < buffer.length; ) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    if (type === 'IDAT') idat.push(buffer.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = raw.length / height;
  const values = new Set();
  for (let row = 0; row < height && values.size < 64; row += 7) {
    for (let i = row * stride + 1; i < (row + 1) * stride; i += 5) values.add(raw[i]);
  }
  return { valid: true, width, height, distinctSamples: values.size };
}

const GLOBAL_MODULES = '/usr/local/lib/node_modules';

/** Every package.json under the global node_modules (scoped ones included), one level deep. */
function bundledManifests() {
  const manifests = [];
  const read = (dir) => {
    try {
      manifests.push(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')));
    } catch {
      /* not a package */
    }
  };
  for (const entry of readdirSync(GLOBAL_MODULES)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) for (const scoped of readdirSync(join(GLOBAL_MODULES, entry))) read(join(GLOBAL_MODULES, entry, scoped));
    else read(join(GLOBAL_MODULES, entry));
  }
  return manifests;
}

/**
 * The Node the image runs must be one every bundled package declares it supports (what
 * npm's EBADENGINE warns about at install time), and, when the caller says which range
 * the image declares (SMOKE_NODE_RANGE, from image/package.json's engines), inside it.
 */
function checkNodeRanges() {
  const require = createRequire(join(GLOBAL_MODULES, 'package.json'));
  const semver = require('semver');
  const unsupported = bundledManifests()
    .filter((pkg) => typeof pkg.engines?.node === 'string' && !semver.satisfies(process.version, pkg.engines.node))
    .map((pkg) => `${pkg.name}@${pkg.version} wants node ${pkg.engines.node}`);
  check('node satisfies every bundled package\'s engines', unsupported.length === 0, unsupported.length ? unsupported.join('; ') : `${process.version}`);
  const declared = process.env.SMOKE_NODE_RANGE;
  if (declared) {
    report.nodeRange = declared;
    check('node is in the range the image declares', semver.validRange(declared) !== null && semver.satisfies(process.version, declared), `${process.version} vs ${declared}`);
  }
}

function countPdfPages(buffer) {
  const text = buffer.toString('latin1');
  return (text.match(/\/Type\s*\/Page(?![a-zA-Z])/g) || []).length;
}

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><style>
  body { margin: 24px; font-size: 28px; }
  .break { break-before: page; }
</style></head><body>
  <p id="latin" style="font-family: 'Liberation Sans', sans-serif">Headless Chromium on every CPU</p>
  <p id="cjk" lang="ja">你好，世界 — こんにちは — 안녕하세요</p>
  <p id="emoji">🚀🐳✅</p>
  <p class="break">Second page</p>
</body></html>`;

async function main() {
  const uid = process.getuid?.();
  check('runs as non-root user node (uid 1000)', uid === 1000, `uid=${uid}`);
  report.node = process.version;
  check('node --version', /^v\d+\./.test(process.version), process.version);
  const executablePath = process.env.PUPPETEER_EXECUTABLE_PATH || '/usr/bin/chromium';
  // started first: under QEMU a Chromium start takes seconds, the checks below overlap it
  const versionRun = promisify(execFile)(executablePath, ['--version'], { encoding: 'utf8' });
  // handled at the await below; this only keeps an early failure from counting as unhandled
  versionRun.catch(() => {});
  checkNodeRanges();

  const chromiumVersion = (await versionRun).stdout.trim();
  report.chromium = chromiumVersion;
  const chromiumMajor = Number(/(\d+)\.\d+\.\d+\.\d+/.exec(chromiumVersion)?.[1]);
  check('chromium --version', chromiumMajor > 0, chromiumVersion);

  const { PUPPETEER_REVISIONS } = await import('puppeteer-core/internal/revisions.js');
  const supportedMajor = Number(PUPPETEER_REVISIONS.chrome.split('.')[0]);
  report.puppeteerChrome = PUPPETEER_REVISIONS.chrome;
  const pinned = JSON.parse(readFileSync(join(GLOBAL_MODULES, 'puppeteer-core', 'package.json'), 'utf8')).version;
  check(
    'puppeteer-core supports this Chromium major',
    supportedMajor === chromiumMajor,
    supportedMajor === chromiumMajor
      ? `puppeteer-core ${pinned} targets ${supportedMajor}, image has ${chromiumMajor}`
      : `puppeteer-core ${pinned} targets Chrome ${supportedMajor}, but Debian's Chromium in this image is ${chromiumMajor}: ` +
          `run \`npm run check:chromium-drift\` for the puppeteer-core release that targets Chrome ${chromiumMajor}, pin it in image/package.json and rebuild`,
  );

  const { default: puppeteer } = await import('puppeteer-core');
  // CHROMIUM_EXTRA_FLAGS (no sandbox, no zygote — required under QEMU) are applied by
  // Debian's launcher script; headless is puppeteer's default.
  const browser = await timed('launch', () => puppeteer.launch({ executablePath, protocolTimeout: 180_000, timeout: 180_000 }));
  try {
    report.browser = await browser.version();
    const page = await browser.newPage();
    await page.setViewport({ width: 800, height: 600 });
    await timed('render', () => page.setContent(PAGE, { waitUntil: 'load' }));
    const session = await page.createCDPSession();
    await session.send('DOM.enable');
    await session.send('CSS.enable');
    const { root } = await session.send('DOM.getDocument');
    const fontsFor = async (selector) => {
      const { nodeId } = await session.send('DOM.querySelector', { nodeId: root.nodeId, selector });
      const { fonts } = await session.send('CSS.getPlatformFontsForNode', { nodeId });
      return fonts.map((f) => f.familyName);
    };
    const latin = await fontsFor('#latin');
    const cjk = await fontsFor('#cjk');
    const emoji = await fontsFor('#emoji');
    check('Latin text renders with Liberation', latin.some((f) => /Liberation/i.test(f)), latin.join(', '));
    check('CJK text renders with Noto CJK', cjk.some((f) => /Noto Sans CJK|Noto Serif CJK/i.test(f)), cjk.join(', '));
    check('emoji render with Noto Color Emoji', emoji.some((f) => /Noto Color Emoji/i.test(f)), emoji.join(', '));

    const png = Buffer.from(await timed('screenshot', () => page.screenshot({ type: 'png' })));
    const info = describePng(png);
    check('screenshot is an 800x600 PNG', info.valid && info.width === 800 && info.height === 600, JSON.stringify(info));
    check('screenshot is not blank', (info.distinctSamples ?? 0) > 4, `distinct samples ${info.distinctSamples}`);

    const pdf = Buffer.from(await timed('pdf', () => page.pdf({ format: 'A4', printBackground: true })));
    const pages = countPdfPages(pdf);
    check('PDF has a PDF header', pdf.subarray(0, 5).toString('latin1') === '%PDF-', pdf.subarray(0, 8).toString('latin1'));
    check('PDF has 2 pages', pages === 2, `pages=${pages}`);

    const dir = outDir();
    if (dir) {
      writeFileSync(join(dir, 'screenshot.png'), png);
      writeFileSync(join(dir, 'page.pdf'), pdf);
    }
  } finally {
    await browser.close();
  }
}

let failure;
try {
  await main();
} catch (error) {
  failure = error instanceof Error ? error.message : String(error);
  check('no unexpected error', false, failure.split('\n')[0]);
}
timings.total = Date.now() - started;
report.passed = checks.every((c) => c.ok);
process.stdout.write(`${JSON.stringify(report)}\n`);
process.exitCode = report.passed ? 0 : 1;
