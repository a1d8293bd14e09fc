/**
 * Image build benchmark (issue: foundation): cold and warm build time per arch, rebuild
 * time after a change that only the last layers see, and image size — ours against the
 * original Dockerfile (bench/original/Dockerfile) built the same way on the same base.
 * Writes bench/results/image.md. Cold builds use --no-cache (the shared layer cache is
 * left alone). Run: npx tsx bench/image.ts [--arch amd64,arm64] [--skip-cold]
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArchList, type Arch } from '../src/arch.js';
import { resolveBase } from '../src/base/resolve-base.js';
import { imageBuildRequest, SYSTEM_CA_BUNDLE } from '../src/builders/image-build-request.js';
import { createLocalDockerBuilder } from '../src/builders/local-docker.js';
import { readSourceMetadata } from '../src/builders/source-metadata.js';
import { formatBytes } from '../src/format.js';
import { DockerCli } from '../src/docker/docker-cli.js';
import { inspectLocalImage } from '../src/docker/image-inspect.js';
import { pushImage } from '../src/docker/push-image.js';
import { defaultStateDir, imageDir, projectRoot } from '../src/project-paths.js';

const args = process.argv.slice(2);
const arches = parseArchList(args[args.indexOf('--arch') + 1] && args.includes('--arch') ? (args[args.indexOf('--arch') + 1] as string) : 'amd64,arm64');
const skipCold = args.includes('--skip-cold');
const registry = `127.0.0.1:${process.env['MULTIARCH_REGISTRY_PORT'] ?? '5000'}`;
const docker = new DockerCli();
const stateDir = defaultStateDir();
const logDir = join(stateDir, 'logs', 'bench-image');
await mkdir(logDir, { recursive: true });
const metadata = await readSourceMetadata(projectRoot());
const base = await resolveBase('local', { docker, arches, stateDir });
const builder = createLocalDockerBuilder({ docker });

async function timeBuild(arch: Arch, tag: string, contextDir: string, options: { noCache?: boolean } = {}): Promise<number> {
  const started = Date.now();
  const request = imageBuildRequest({ arch, tag, contextDir, ...base.args[arch], caBundle: SYSTEM_CA_BUNDLE, metadata, logFile: join(logDir, `${tag.replace(/[:/]/g, '_')}.log`) });
  await builder.build({ ...request, ...(options.noCache ? { noCache: true } : {}) });
  return Date.now() - started;
}

/** Compressed size as stored in a registry: config + layer blob sizes of the pushed manifest. */
async function compressedSize(tag: string, arch: Arch): Promise<number> {
  const target = `${registry}/bench/${tag.replace(/:/g, '-')}:${arch}`;
  await pushImage({ docker, source: tag, target, logFile: join(logDir, 'push.log') });
  const [repo, ref] = target.slice(registry.length + 1).split(':') as [string, string];
  const response = await fetch(`http://${registry}/v2/${repo}/manifests/${ref}`, {
    headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
  });
  const manifest = (await response.json()) as { config: { size: number }; layers: { size: number }[] };
  return manifest.config.size + manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const rows: string[] = [];
const sizeRows: string[] = [];
for (const arch of arches) {
  const tag = `bench-ours:${arch}`;
  const cold = skipCold ? undefined : await timeBuild(arch, tag, imageDir(), { noCache: true });
  const warm = await timeBuild(arch, tag, imageDir());
  // A change only the runtime (last layers) sees: a copy of the context with one source edited.
  const changed = await mkdtemp(join(tmpdir(), 'bench-context-'));
  await cp(imageDir(), changed, { recursive: true, filter: (src) => !src.includes('node_modules') && !src.includes('/runtime/dist') });
  const entry = join(changed, 'runtime', 'src', 'cli.ts');
  await writeFile(entry, `${await readFile(entry, 'utf8')}\n// bench change ${Date.now()}\n`);
  const lastLayer = await timeBuild(arch, `bench-ours:${arch}-changed`, changed);
  await rm(changed, { recursive: true, force: true });
  rows.push(`| ${arch} | ${cold === undefined ? 'skipped' : seconds(cold)} | ${seconds(warm)} | ${seconds(lastLayer)} |`);
  const ours = await inspectLocalImage(docker, tag);
  sizeRows.push(`| ours | ${arch} | ${formatBytes(ours?.size ?? 0)} | ${formatBytes(await compressedSize(tag, arch))} |`);
}
// The original Dockerfile: amd64 only by default (it takes ~15 min more under QEMU).
const originalArch: Arch = 'amd64';
const originalTag = `bench-original:${originalArch}`;
const originalMs = await timeBuild(originalArch, originalTag, join(projectRoot(), 'bench', 'original'));
const original = await inspectLocalImage(docker, originalTag);
sizeRows.push(`| original (npm -g instead of yarn global) | ${originalArch} | ${formatBytes(original?.size ?? 0)} | ${formatBytes(await compressedSize(originalTag, originalArch))} |`);

const report = [
  '# Image build benchmark',
  '',
  `Run ${new Date().toISOString()} on this machine (${process.arch}, 2 cores); base: ${base.description}. amd64 native, arm64 under QEMU user-mode emulation.`,
  '',
  '| arch | cold build (--no-cache) | warm build (no change) | rebuild after a runtime source change |',
  '|---|---|---|---|',
  ...rows,
  '',
  '| image | arch | uncompressed | compressed (registry) |',
  '|---|---|---|---|',
  ...sizeRows,
  '',
  `Original Dockerfile build time (warm cache after the first run): ${seconds(originalMs)}.`,
  '',
].join('\n');
await mkdir(join(projectRoot(), 'bench', 'results'), { recursive: true });
await writeFile(join(projectRoot(), 'bench', 'results', 'image.md'), report);
await appendFile(join(logDir, 'history.md'), report);
process.stdout.write(report);
