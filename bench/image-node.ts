/**
 * Node.js in the image (issue 13): cold and warm build time, size and `node --version` of
 * the image before the switch (image/ at a git ref, default: where this branch left main)
 * and now (the working tree's image/), built the same way on the same local mmdebstrap
 * bases, per arch. Cold = --no-cache (BuildKit's npm cache mount is kept: it measures the
 * build, not the registry download). Writes bench/results/image-node-builds.md.
 * Run: npx tsx bench/image-node.ts [--arch amd64,arm64] [--before REF] [--only before|after]
 */
import { mkdir, mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseArchList, type Arch } from '../src/arch.js';
import { resolveBase } from '../src/base/resolve-base.js';
import { imageBuildRequest, SYSTEM_CA_BUNDLE } from '../src/builders/image-build-request.js';
import { createLocalDockerBuilder } from '../src/builders/local-docker.js';
import { readSourceMetadata } from '../src/builders/source-metadata.js';
import { DockerCli } from '../src/docker/docker-cli.js';
import { inspectLocalImage } from '../src/docker/image-inspect.js';
import { defaultStateDir, imageDir, projectRoot } from '../src/project-paths.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const arches = parseArchList(option('--arch') ?? 'amd64,arm64');
const only = option('--only');
const beforeRef = option('--before') ?? (await execa('git', ['-C', projectRoot(), 'merge-base', 'HEAD', 'main'])).stdout.trim();

const docker = new DockerCli();
const stateDir = defaultStateDir();
const logDir = join(stateDir, 'logs', 'bench-image-node');
await mkdir(logDir, { recursive: true });
const metadata = await readSourceMetadata(projectRoot());
const base = await resolveBase('local', { docker, arches, stateDir });
const builder = createLocalDockerBuilder({ docker });

interface Row {
  variant: string;
  arch: Arch;
  coldMs: number;
  warmMs: number;
  bytes: number;
  node: string;
}

async function build(arch: Arch, tag: string, contextDir: string, noCache: boolean): Promise<{ ms: number; id: string }> {
  const request = imageBuildRequest({ arch, tag, contextDir, ...base.args[arch], caBundle: SYSTEM_CA_BUNDLE, metadata, logFile: join(logDir, `${tag.replace(/[:/]/g, '_')}.log`) });
  const result = await builder.build({ ...request, ...(noCache ? { noCache: true } : {}) });
  if (!result.imageId) throw new Error(`${tag}: no image ID`);
  return { ms: result.durationMs, id: result.imageId };
}

async function measure(variant: string, contextDir: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const arch of arches) {
    const tag = `bench-image-node:${variant}-${arch}`;
    const cold = await build(arch, tag, contextDir, true);
    // Other jobs share this dockerd and may prune its cache between two builds: the faster
    // of two immediate rebuilds is the warm figure.
    const warm1 = await build(arch, tag, contextDir, false);
    const warm2 = await build(arch, tag, contextDir, false);
    const warm = warm2.ms <= warm1.ms ? warm2 : warm1;
    const info = await inspectLocalImage(docker, warm.id);
    const node = (await docker.run(['run', '--rm', '--network', 'none', warm.id, 'node', '--version'])).stdout.trim();
    const row = { variant, arch, coldMs: cold.ms, warmMs: warm.ms, bytes: info?.size ?? 0, node };
    await appendFile(join(logDir, 'rows.jsonl'), `${JSON.stringify({ at: new Date().toISOString(), ...row })}\n`);
    process.stderr.write(`${JSON.stringify(row)}\n`);
    rows.push(row);
  }
  return rows;
}

const rows: Row[] = [];
if (only !== 'after') {
  const context = await mkdtemp(join(tmpdir(), 'bench-image-before-'));
  try {
    // the image/ directory exactly as committed at the ref
    await execa('sh', ['-c', `git -C "${projectRoot()}" archive "${beforeRef}" image | tar -x -C "${context}"`]);
    rows.push(...(await measure('before', join(context, 'image'))));
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}
if (only !== 'before') rows.push(...(await measure('after', imageDir())));

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const report = [
  '# Image builds before/after the Node.js switch',
  '',
  `Run ${new Date().toISOString()} on this machine (${process.arch}, 2 cores, shared with other jobs); base: ${base.description}; "before" = image/ at ${beforeRef.slice(0, 12)}. amd64 native, arm64 under QEMU.`,
  '',
  '| variant | arch | node | cold build (--no-cache) | warm build (no change) | uncompressed size |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.variant} | ${r.arch} | ${r.node} | ${seconds(r.coldMs)} | ${seconds(r.warmMs)} | ${r.bytes} B (${(r.bytes / 1e9).toFixed(3)} GB) |`),
  '',
].join('\n');
await mkdir(join(projectRoot(), 'bench', 'results'), { recursive: true });
await writeFile(join(projectRoot(), 'bench', 'results', 'image-node-builds.md'), report);
process.stdout.write(report);
