/**
 * The Chromium ↔ puppeteer-core pin: each puppeteer-core release speaks the DevTools
 * protocol of one Chrome major (`PUPPETEER_REVISIONS.chrome` in its lib/puppeteer/revisions.js),
 * while Debian moves its Chromium with security updates. These helpers say which
 * puppeteer-core release targets a given Chromium major, so a drift ends in an exact
 * version to move to rather than "they differ".
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/** What the check needs to know about puppeteer-core's releases. */
export interface PuppeteerReleases {
  /** Every published version (any order; prereleases are ignored). */
  versions(signal?: AbortSignal): Promise<readonly string[]>;
  /** The Chrome major that release targets. */
  chromeMajor(version: string, signal?: AbortSignal): Promise<number>;
}

/** `PUPPETEER_REVISIONS.chrome`'s major from the text of revisions.js. */
export function chromeMajorFromRevisions(source: string): number | undefined {
  const match = /chrome:\s*['"](\d+)\./.exec(source);
  return match ? Number(match[1]) : undefined;
}

const STABLE = /^(\d+)\.(\d+)\.(\d+)$/;

function compareStable(a: string, b: string): number {
  const pa = STABLE.exec(a)?.slice(1).map(Number) ?? [];
  const pb = STABLE.exec(b)?.slice(1).map(Number) ?? [];
  for (let i = 0; i < 3; i += 1) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/**
 * The newest stable puppeteer-core release whose Chrome major is `chromeMajor`, or
 * undefined when none is published. Releases only ever move to newer Chrome majors, so
 * this is a binary search: a handful of lookups, not one per release.
 */
export async function puppeteerCoreForChrome(releases: PuppeteerReleases, chromeMajor: number, signal?: AbortSignal): Promise<string | undefined> {
  const stable = (await releases.versions(signal)).filter((v) => STABLE.test(v)).sort(compareStable);
  const majors = new Map<string, number>();
  const majorAt = async (index: number): Promise<number> => {
    const version = stable[index] as string;
    if (!majors.has(version)) majors.set(version, await releases.chromeMajor(version, signal));
    return majors.get(version) as number;
  };
  // last index whose major is <= chromeMajor
  let low = 0;
  let high = stable.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = Math.floor((low + high) / 2);
    if ((await majorAt(mid)) <= chromeMajor) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  if (found < 0 || (await majorAt(found)) !== chromeMajor) return undefined;
  return stable[found];
}

export interface PinState {
  /** The exact puppeteer-core version image/package.json pins. */
  readonly pinned: string;
  /** The Chrome major that pinned release targets. */
  readonly pinnedChromeMajor: number;
  /** Debian's Chromium (version string as apt or `chromium --version` gives it). */
  readonly chromiumVersion: string;
  /** Where that Chromium was seen, for the message (e.g. "Debian trixie-security"). */
  readonly where: string;
}

export interface PinVerdict {
  readonly ok: boolean;
  readonly message: string;
  /** Set when the pin should move: the release targeting Debian's Chromium major. */
  readonly moveTo?: string;
}

export function chromiumMajor(version: string): number | undefined {
  const match = /(\d+)\.\d+\.\d+/.exec(version);
  return match ? Number(match[1]) : undefined;
}

/** Compares the pin with Debian's Chromium and, on a drift, names the release to move to. */
export async function judgePin(state: PinState, releases: PuppeteerReleases, signal?: AbortSignal): Promise<PinVerdict> {
  const major = chromiumMajor(state.chromiumVersion);
  if (major === undefined) throw new Error(`cannot read a Chromium major from "${state.chromiumVersion}"`);
  if (major === state.pinnedChromeMajor) {
    return { ok: true, message: `in step: ${state.where} ships Chromium ${state.chromiumVersion} and puppeteer-core ${state.pinned} targets Chrome ${major}` };
  }
  const drift = `${state.where} ships Chromium ${state.chromiumVersion} (major ${major}), but image/package.json pins puppeteer-core ${state.pinned}, which targets Chrome ${state.pinnedChromeMajor}`;
  const target = await puppeteerCoreForChrome(releases, major, signal);
  if (!target) {
    return { ok: false, message: `${drift}. No puppeteer-core release targeting Chrome ${major} is published yet: keep ${state.pinned} and check again after the next puppeteer release.` };
  }
  return {
    ok: false,
    moveTo: target,
    message:
      `${drift}. Move to puppeteer-core ${target} (the newest release for Chrome ${major}): ` +
      `npm install --prefix image --save-exact puppeteer-core@${target}, then npm test (the smoke test checks the pair in the built image).`,
  };
}

/**
 * Releases as the npm registry publishes them, read with the npm client (so .npmrc,
 * proxies and CA settings apply): `npm view` for the list, the release tarball's
 * revisions.js for its Chrome major.
 */
export function registryReleases(options: { readonly npm?: string; readonly registry?: string; readonly env?: NodeJS.ProcessEnv } = {}): PuppeteerReleases {
  const npm = options.npm ?? 'npm';
  const registryArgs = options.registry ? ['--registry', options.registry] : [];
  const run = (args: string[], signal?: AbortSignal, cwd?: string) =>
    execa(npm, [...args, ...registryArgs], { ...(signal ? { cancelSignal: signal } : {}), ...(cwd ? { cwd } : {}), ...(options.env ? { env: options.env } : {}) });
  return {
    async versions(signal) {
      const { stdout } = await run(['view', 'puppeteer-core', 'versions', '--json'], signal);
      const parsed = JSON.parse(stdout) as string[] | string;
      return Array.isArray(parsed) ? parsed : [parsed];
    },
    async chromeMajor(version, signal) {
      const dir = await mkdtemp(join(tmpdir(), 'puppeteer-core-pack-'));
      try {
        const { stdout } = await run(['pack', `puppeteer-core@${version}`, '--json', '--pack-destination', dir], signal, dir);
        const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
        const file = packed?.files.map((f) => f.path).find((p) => /(^|\/)puppeteer\/revisions\.js$/.test(p) && !p.includes('/es5-'));
        if (!packed || !file) throw new Error(`puppeteer-core@${version} has no revisions.js`);
        const { stdout: source } = await execa('tar', ['-xzOf', join(dir, packed.filename), `package/${file}`], { ...(signal ? { cancelSignal: signal } : {}) });
        const major = chromeMajorFromRevisions(source);
        if (major === undefined) throw new Error(`puppeteer-core@${version}: no chrome revision in ${file}`);
        return major;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The pin and its Chrome major as installed in image/node_modules (setup --project-node). */
export async function readInstalledPin(imageDir: string): Promise<{ pinned: string; installed: string; chromeMajor: number }> {
  const manifest = JSON.parse(await readFile(join(imageDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const pinned = manifest.dependencies['puppeteer-core'];
  if (!pinned) throw new Error('image/package.json has no puppeteer-core dependency');
  const installedDir = join(imageDir, 'node_modules', 'puppeteer-core');
  let installed: string;
  try {
    installed = (JSON.parse(await readFile(join(installedDir, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    throw new Error('image/node_modules has no puppeteer-core: run `bash scripts/setup-host.sh --project-node` first');
  }
  const chromeMajor = chromeMajorFromRevisions(await readFile(join(installedDir, 'lib', 'puppeteer', 'revisions.js'), 'utf8'));
  if (chromeMajor === undefined) throw new Error(`no chrome revision in puppeteer-core ${installed}'s revisions.js`);
  return { pinned, installed, chromeMajor };
}
