/**
 * `npm run check:chromium-drift`: is the puppeteer-core pin still right for the Chromium in
 * Debian's archive today? Date-dependent (Debian moves Chromium with security updates), so
 * it is kept out of the gating test run; the gate is the smoke test on the built image.
 * On a drift it names the puppeteer-core release to move to, looked up on the npm registry.
 * Exit: 0 in step, 1 drift (the message says what to do), 2 could not check.
 */
import { execa } from 'execa';
import { imageDir } from '../src/project-paths.js';
import { chromiumMajor, judgePin, readInstalledPin, registryReleases } from './chromium-pin.js';

/** Newest Chromium among trixie's suites (release, -updates, -security) in apt's metadata. */
async function newestTrixieChromium(): Promise<{ version: string; suite: string }> {
  if (process.getuid?.() === 0) await execa('apt-get', ['update', '-qq']);
  else process.stderr.write('not root: using the apt metadata as last updated\n');
  const { stdout } = await execa('apt-cache', ['madison', 'chromium']);
  const rows = stdout
    .split('\n')
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .filter((cells) => cells.length >= 3 && /\btrixie(-\w+)?\//.test(cells[2] ?? '') && /\bPackages\b/.test(cells[2] ?? ''))
    .map((cells) => ({ version: cells[1] as string, suite: /\b(trixie(-\w+)?)\//.exec(cells[2] as string)?.[1] as string }));
  if (rows.length === 0) throw new Error('no trixie chromium in apt metadata: run `bash scripts/setup-host.sh` (it adds the trixie sources)');
  return rows.reduce((best, row) => ((chromiumMajor(row.version) ?? 0) > (chromiumMajor(best.version) ?? 0) ? row : best));
}

try {
  const pin = await readInstalledPin(imageDir());
  if (pin.installed !== pin.pinned) throw new Error(`image/node_modules has puppeteer-core ${pin.installed}, image/package.json pins ${pin.pinned}: run \`bash scripts/setup-host.sh --project-node\``);
  const debian = await newestTrixieChromium();
  const verdict = await judgePin({ pinned: pin.pinned, pinnedChromeMajor: pin.chromeMajor, chromiumVersion: debian.version, where: `Debian ${debian.suite}` }, registryReleases());
  process.stdout.write(`${verdict.ok ? 'ok' : 'drift'}: ${verdict.message}\n`);
  process.exitCode = verdict.ok ? 0 : 1;
} catch (error) {
  process.stderr.write(`check:chromium-drift: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
