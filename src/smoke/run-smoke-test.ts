import { chmod, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { dockerPlatform, type Arch } from '../arch.js';
import type { DockerCli } from '../docker/docker-cli.js';
import { CancelledError, TimeoutError } from '../errors.js';
import { lastLine } from '../format.js';
import { smokeTestDir } from '../project-paths.js';
import { validatePdf, validateScreenshot, type ArtifactCheck } from './validate-artifacts.js';
import { timeoutSignal } from '../timeout-signal.js';

export interface SmokeTestOptions {
  readonly docker: DockerCli;
  readonly image: string;
  readonly arch: Arch;
  readonly signal?: AbortSignal;
  readonly logFile?: string;
  /** Whole-test limit; emulated arm64 needs far longer than native (launch ~20 s). */
  readonly timeoutMs?: number;
  /** Directory holding smoke-test.mjs (defaults to the package's image/smoke). */
  readonly scriptDir?: string;
}

export interface SmokeTestResult {
  readonly arch: Arch;
  readonly image: string;
  readonly passed: boolean;
  /** False when the in-image test produced no report: the checks listed are host-side only. */
  readonly ran: boolean;
  readonly durationMs: number;
  readonly checks: readonly ArtifactCheck[];
  readonly node?: string;
  readonly chromium?: string;
  readonly timings: Readonly<Record<string, number>>;
}

interface InImageReport {
  passed: boolean;
  checks: ArtifactCheck[];
  timings: Record<string, number>;
  node?: string;
  chromium?: string;
}

/**
 * Runs the in-image smoke test (image/smoke/smoke-test.mjs) in a throwaway container as
 * the image's own non-root user, then re-validates its screenshot and PDF on the host
 * with real decoders. Returns `passed: false` for a broken image; throws only when the
 * test could not be run at all (engine down, cancelled, timed out).
 */
export async function runSmokeTest(options: SmokeTestOptions): Promise<SmokeTestResult> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 300_000;
  const outDir = await mkdtemp(join(tmpdir(), 'multiarch-smoke-'));
  await giveToImageUser(outDir);
  const name = `multiarch-smoke-${options.arch}-${randomBytes(4).toString('hex')}`;
  const nodeRange = await declaredNodeRange(options.scriptDir);
  const timeout = timeoutSignal(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const run = await options.docker.run(
      [
        'run', '--rm', '--name', name, '--platform', dockerPlatform(options.arch), '--network', 'none',
        // the Node range the image declares: the in-image test fails on a Node outside it
        ...(nodeRange ? ['-e', `SMOKE_NODE_RANGE=${nodeRange}`] : []),
        '-v', `${options.scriptDir ?? smokeTestDir()}:/smoke:ro`, '-v', `${outDir}:/out`,
        options.image, 'node', '/smoke/smoke-test.mjs',
      ],
      { reject: false, signal, ...(options.logFile ? { logFile: options.logFile } : {}) },
    ).catch(async (error: unknown) => {
      await options.docker.run(['rm', '-f', name], { reject: false });
      if (error instanceof CancelledError && timeout.aborted && !options.signal?.aborted) {
        throw new TimeoutError(`smoke test of ${options.image} (${options.arch}) exceeded ${Math.round(timeoutMs / 1000)} s`, { cause: error });
      }
      throw error;
    });
    const report = parseReport(run.stdout);
    const checks: ArtifactCheck[] = report ? [...report.checks] : [{ name: 'smoke test produced a report', ok: false, detail: lastLine(run.stderr || run.stdout) }];
    if (report) checks.push(...(await hostChecks(outDir)));
    return {
      arch: options.arch,
      image: options.image,
      passed: run.exitCode === 0 && report?.passed === true && checks.every((c) => c.ok),
      ran: report !== undefined,
      durationMs: Date.now() - started,
      checks,
      ...(report?.node ? { node: report.node } : {}),
      ...(report?.chromium ? { chromium: report.chromium } : {}),
      timings: report?.timings ?? {},
    };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

/** `engines.node` of the image's package.json (next to the smoke test's directory). */
async function declaredNodeRange(scriptDir: string | undefined): Promise<string | undefined> {
  const manifest = join(scriptDir ?? smokeTestDir(), '..', 'package.json');
  try {
    return (JSON.parse(await readFile(manifest, 'utf8')) as { engines?: { node?: string } }).engines?.node;
  } catch {
    return undefined;
  }
}

/** The image's user (uid/gid 1000) writes the artifacts; nobody else on the host may. */
const IMAGE_UID = 1000;

async function giveToImageUser(dir: string): Promise<void> {
  try {
    await chown(dir, IMAGE_UID, IMAGE_UID);
  } catch (error) {
    // Not root (a docker-group user): the container can only write if the directory is open.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
    await chmod(dir, 0o777);
  }
}

async function hostChecks(outDir: string): Promise<ArtifactCheck[]> {
  const checks: ArtifactCheck[] = [];
  const png = await readFile(join(outDir, 'screenshot.png')).catch(() => undefined);
  const pdf = await readFile(join(outDir, 'page.pdf')).catch(() => undefined);
  if (png) checks.push(...validateScreenshot(png, { width: 800, height: 600 }));
  else checks.push({ name: 'host: screenshot written', ok: false, detail: 'no screenshot.png in the output directory' });
  if (pdf) checks.push(...(await validatePdf(pdf, 2)));
  else checks.push({ name: 'host: PDF written', ok: false, detail: 'no page.pdf in the output directory' });
  return checks;
}

function parseReport(stdout: string): InImageReport | undefined {
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) return undefined;
  try {
    return JSON.parse(line) as InImageReport;
  } catch {
    return undefined;
  }
}
