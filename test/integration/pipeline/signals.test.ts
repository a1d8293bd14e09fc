import { execa, type ResultPromise } from 'execa';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executePipeline } from '../../../src/pipeline/execute-pipeline.js';
import type { PipelineReport } from '../../../src/pipeline/report.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { startTestRegistry, type TestRegistry } from '../../support/registry.js';
import { currentDigest, removeImages, tinyConfig, tinyContext } from './fixtures.js';

/**
 * SIGINT and SIGTERM in every phase, to the CLI process users start — directly, and
 * through `npx` and `npm run`, whose wrappers may die without passing the signal on.
 * Each run must cancel (exit 130, report printed), leave every tag where it was, leave no
 * temp dir, and leave no process behind that could publish later.
 */
const REPOSITORY = 'pipeline-signal-test';
const projectDir = process.cwd();
const SMOKE = 'grep -q "^$(dpkg --print-architecture) " /arch';
let registry: TestRegistry;
let proxy: FaultProxy;
let context: string;
let work: string;

type Launcher = 'node' | 'npx' | 'npm run';

function launch(launcher: Launcher, tag: string, extra: readonly string[], tmp: string): ResultPromise {
  const args = [
    'pipeline', '--registry', proxy.host, '--repository', REPOSITORY, '--tag', tag, '--context', context,
    '--log-dir', join(work, 'logs'), '--progress', 'plain', '--build-arg', `NONCE=${tag}-${Date.now()}`, ...extra,
  ];
  const command: [string, string[]] =
    launcher === 'node' ? [process.execPath, ['bin/multiarch.js', ...args]]
    : launcher === 'npx' ? ['npx', ['--no-install', 'multiarch', ...args]]
    : ['npm', ['run', '--silent', 'multiarch', '--', ...args]];
  return execa(command[0], command[1], {
    cwd: projectDir,
    reject: false,
    // a state dir of its own: nothing here waits on another suite's lock
    env: { TMPDIR: tmp, MULTIARCH_CONFIG: '', IMAGE_TAG: '', IMAGE_ARCH: '', MULTIARCH_BUILDERS: '', CI: '' },
    all: true,
  });
}

/** Resolves when the phase line appears in the run's progress output. */
function phaseReached(child: ResultPromise, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      if (pattern.test(seen)) resolve();
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    void child.then((r) => reject(new Error(`the run ended (exit ${String(r.exitCode)}) before ${String(pattern)}:\n${seen}`)));
  });
}

/** Every process still running for this run's tag (an orphan would publish later). */
async function processesFor(tag: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(`--tag\u0000${tag}\u0000`)) found.push(`${pid}: ${cmdline.replaceAll('\u0000', ' ').slice(0, 120)}`);
  }
  return found;
}

async function gone(tag: string): Promise<void> {
  for (;;) {
    if ((await processesFor(tag)).length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  registry = await startTestRegistry();
  proxy = await startFaultProxy({ upstream: registry.url });
  context = await tinyContext();
  work = await mkdtemp(join(tmpdir(), 'multiarch-signals-'));
}, 600_000);

afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
  if (registry) await removeImages([REPOSITORY, /^127\.0\.0\.1:\d+\/pipeline-signal-test$/]);
  for (const dir of [context, work]) if (dir) await rm(dir, { recursive: true, force: true });
});

const PHASES = {
  build: { extra: ['--build-arg', 'SLOW=amd64', '--build-arg', 'SLEEP=120', '--smoke-command', SMOKE], pattern: /\[amd64\] build/ },
  'smoke-test': { extra: ['--smoke-command', `sleep 120; ${SMOKE}`], pattern: /\[amd64\] smoke-test/ },
  push: { extra: ['--smoke-command', SMOKE], pattern: /\[amd64\] push/ },
} as const;

describe.each(['SIGINT', 'SIGTERM'] as const)('%s', (signal) => {
  it.each(Object.keys(PHASES) as (keyof typeof PHASES)[])('during %s: cancelled (exit 130), report printed, no tag moved, nothing left behind', async (phase) => {
    const tag = `${signal.toLowerCase()}-${phase}`;
    const first: PipelineReport = await executePipeline(tinyConfig(registry.host, context, join(work, 'logs'), { repository: REPOSITORY, tag, build: { context, args: { NONCE: `${tag}-first` } } }), {
      projectDir, productContextDir: context, stateDir: join(work, 'state'),
    });
    expect(first.status).toBe('published');
    // pushes crawl through the proxy, so the signal lands mid-push
    proxy.setScript(phase === 'push' ? [{ method: 'PATCH', fault: { kind: 'delay', ms: 3_000 }, times: Infinity }, { method: 'PUT', path: /blobs\/uploads/, fault: { kind: 'delay', ms: 3_000 }, times: Infinity }] : []);
    const tmp = join(work, `tmp-${tag}`);
    await mkdir(tmp, { recursive: true });
    const child = launch('node', tag, PHASES[phase].extra, tmp);
    await phaseReached(child, PHASES[phase].pattern);
    child.kill(signal);
    const result = await child;
    proxy.setScript([]);
    expect(result.all).toMatch(new RegExp(`multiarch: ${signal}: cancelling`));
    expect(result.exitCode).toBe(130);
    expect(result.stdout).toMatch(/cancelled: .* not moved/);
    await gone(tag);
    expect(await currentDigest(`${registry.host}/${REPOSITORY}:${tag}`)).toBe(first.digest);
    for (const arch of first.arches) expect(await currentDigest(arch.target)).toBe(arch.digest);
    expect((await readdir(tmp)).filter((name) => name.startsWith('multiarch-'))).toEqual([]);
  });
});

describe('Ctrl-C in a terminal', () => {
  it('cancels the whole foreground group, and the terminal gets its cursor back', async () => {
    const tag = 'ctrl-c-tty';
    const first: PipelineReport = await executePipeline(tinyConfig(registry.host, context, join(work, 'logs'), { repository: REPOSITORY, tag, build: { context, args: { NONCE: `${tag}-first` } } }), {
      projectDir, productContextDir: context, stateDir: join(work, 'state'),
    });
    const tmp = join(work, `tmp-${tag}`);
    await mkdir(tmp, { recursive: true });
    const args = [
      'bin/multiarch.js', 'pipeline', '--registry', proxy.host, '--repository', REPOSITORY, '--tag', tag, '--context', context,
      '--log-dir', join(work, 'logs'), '--progress', 'tty', '--build-arg', `NONCE=${tag}-${Date.now()}`,
      '--build-arg', 'SLOW=amd64', '--build-arg', 'SLEEP=120', '--smoke-command', SMOKE,
    ];
    // script(1) gives the run a real pseudo-terminal; a 0x03 written to it is what the
    // terminal's line discipline turns into SIGINT for the whole foreground group
    const command = [process.execPath, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    const child = execa('script', ['-qfec', command, '/dev/null'], {
      cwd: projectDir, reject: false, all: true, stdin: 'pipe',
      env: { TMPDIR: tmp, MULTIARCH_CONFIG: '', IMAGE_TAG: '', IMAGE_ARCH: '', MULTIARCH_BUILDERS: '', CI: '', TERM: 'xterm' },
    });
    await phaseReached(child, /build/);
    // the renderer hides the cursor on its first frame; wait until it has drawn
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    child.stdin?.write('\u0003');
    const result = await child;
    const output = result.all ?? '';
    expect(output).toMatch(/multiarch: SIGINT: cancelling/);
    expect(result.exitCode).toBe(130);
    expect(output.lastIndexOf('\u001b[?25l')).toBeGreaterThanOrEqual(0);
    expect(output.lastIndexOf('\u001b[?25h')).toBeGreaterThan(output.lastIndexOf('\u001b[?25l'));
    await gone(tag);
    expect(await currentDigest(`${registry.host}/${REPOSITORY}:${tag}`)).toBe(first.digest);
    for (const arch of first.arches) expect(await currentDigest(arch.target)).toBe(arch.digest);
    expect((await readdir(tmp)).filter((name) => name.startsWith('multiarch-'))).toEqual([]);
  });
});

describe.each(['npx', 'npm run'] as const)('launched through %s', (launcher) => {
  it('SIGTERM to the launcher stops the run: it never publishes as an orphan', async () => {
    const tag = `launcher-${launcher.replace(' ', '-')}`;
    const first: PipelineReport = await executePipeline(tinyConfig(registry.host, context, join(work, 'logs'), { repository: REPOSITORY, tag, build: { context, args: { NONCE: `${tag}-first` } } }), {
      projectDir, productContextDir: context, stateDir: join(work, 'state'),
    });
    const tmp = join(work, `tmp-${tag}`);
    await mkdir(tmp, { recursive: true });
    // the build sleeps 20 s, then the run would publish: an orphan would move the tag
    const child = launch(launcher, tag, ['--build-arg', 'SLOW=amd64', '--build-arg', 'SLEEP=20', '--smoke-command', SMOKE], tmp);
    await phaseReached(child, /\[amd64\] build/);
    child.kill('SIGTERM');
    await child;
    await gone(tag);
    expect(await currentDigest(`${registry.host}/${REPOSITORY}:${tag}`)).toBe(first.digest);
    for (const arch of first.arches) expect(await currentDigest(arch.target)).toBe(arch.digest);
    expect((await readdir(tmp)).filter((name) => name.startsWith('multiarch-'))).toEqual([]);
  });
});
