import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { resolveConfig } from '../../../src/config/load-config.js';
import type { PipelineConfig } from '../../../src/config/schema.js';
import { resolveDigest } from '../../../src/registry-verbs/resolve-digest.js';
import type { CredentialResolver } from '../../../src/registry/auth/credentials.js';

/**
 * A tiny image per arch FROM the local mmdebstrap base (no Docker Hub): records its arch,
 * fails on purpose when FAIL names the arch, sleeps SLEEP seconds when SLOW names it, and
 * builds fine but records a wrong arch (so the smoke test fails) when BREAK names it.
 */
export const TINY_DOCKERFILE = `FROM multiarch-base:trixie-\${TARGETARCH}
ARG TARGETARCH
ARG FAIL=""
ARG SLOW=""
ARG BREAK=""
ARG SLEEP=60
ARG NONCE=""
RUN if [ "$BREAK" = "$TARGETARCH" ]; then echo "broken $NONCE" > /arch; else echo "$TARGETARCH $NONCE" > /arch; fi \\
 && if [ "$FAIL" = "$TARGETARCH" ]; then echo "failing on purpose for $TARGETARCH" >&2; exit 1; fi \\
 && if [ "$SLOW" = "$TARGETARCH" ]; then sleep "$SLEEP"; fi
`;

/**
 * A buildspec with the real one's contract (the original variables in, IMAGE_DIGEST and
 * IMAGE_URI exported, smoke test before push) that builds the tiny test image. Files in
 * the source steer it: `slow` (arch to sleep in), `no-digest` (export nothing). Images are
 * labelled with the commit CodeBuild resolved, as the real buildspec labels them.
 */
export const TINY_BUILDSPEC = `version: 0.2
env:
  shell: bash
  exported-variables:
    - IMAGE_DIGEST
    - IMAGE_URI
phases:
  pre_build:
    commands:
      - 'case "$IMAGE_ARCH" in amd64) export PLATFORM=linux/amd64 ;; arm64v8) export PLATFORM=linux/arm64 ;; *) echo "bad IMAGE_ARCH $IMAGE_ARCH"; exit 1 ;; esac'
      - export IMAGE_URI="$REGISTRY/$IMAGE_REPO_NAME:$IMAGE_TAG"
      - export LOCAL_TAG="cb-$IMAGE_REPO_NAME:$IMAGE_TAG-$CODEBUILD_BUILD_NUMBER"
  build:
    commands:
      - echo "building $IMAGE_URI for $PLATFORM"
      - DOCKER_BUILDKIT=1 /usr/bin/docker build --progress=plain --platform "$PLATFORM" --build-arg NONCE="$(date +%s%N)" --build-arg SLOW="$(cat slow 2>/dev/null || true)" --build-arg SLEEP=120 --label org.opencontainers.image.revision="$CODEBUILD_RESOLVED_SOURCE_VERSION" -t "$LOCAL_TAG" .
      - /usr/bin/docker run --rm --platform "$PLATFORM" --network none "$LOCAL_TAG" sh -c 'grep -q "^$(dpkg --print-architecture) " /arch'
  post_build:
    commands:
      - 'if [ "\${CODEBUILD_BUILD_SUCCEEDING:-0}" != 1 ]; then echo "not pushing"; exit 1; fi'
      - /usr/bin/docker tag "$LOCAL_TAG" "$IMAGE_URI"
      - set -o pipefail; /usr/bin/docker push "$IMAGE_URI" | tee /tmp/push-$CODEBUILD_BUILD_NUMBER-$IMAGE_ARCH.log
      - 'if [ ! -e no-digest ]; then export IMAGE_DIGEST="$(sed -n "s/.*digest: \\(sha256:[0-9a-f]\\{64\\}\\).*/\\1/p" /tmp/push-$CODEBUILD_BUILD_NUMBER-$IMAGE_ARCH.log | tail -n 1)"; fi'
`;

export async function tinyContext(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'multiarch-pipeline-ctx-'));
  await writeFile(join(dir, 'Dockerfile'), TINY_DOCKERFILE);
  return dir;
}

/** A validated config for the tiny image; `overrides` are raw values as in a config file. */
export function tinyConfig(registry: string, context: string, logDir: string, overrides: Record<string, unknown> = {}): PipelineConfig {
  return resolveConfig({
    registry,
    repository: 'pipeline-test',
    tag: 'latest',
    arches: ['amd64', 'arm64'],
    build: { context, args: { NONCE: String(Date.now()) } },
    // the image must know its own arch: a wrong-arch build fails here
    smokeTest: { command: ['sh', '-c', 'grep -q "^$(dpkg --print-architecture) " /arch'] },
    logDir,
    ...overrides,
  });
}

/** Digest the tag points at now, or undefined; `insecure` for a plain-HTTP non-loopback registry. */
export async function currentDigest(reference: string, options: { readonly insecure?: boolean; readonly credentials?: CredentialResolver } = {}): Promise<string | undefined> {
  try {
    return (await resolveDigest(reference, options)).digest;
  } catch {
    return undefined;
  }
}

/**
 * The tiny image without a RUN step, for engines started with `--bridge none`, where a
 * build's RUN has no network to attach to (the built-in frontend lacks `RUN --network`).
 */
export async function tinyContextWithoutRun(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'multiarch-pipeline-ctx-'));
  await writeFile(join(dir, 'Dockerfile'), 'FROM multiarch-base:trixie-${TARGETARCH}\nARG TARGETARCH\nCOPY arch.${TARGETARCH} /arch\n');
  for (const arch of ['amd64', 'arm64']) await writeFile(join(dir, `arch.${arch}`), `${arch} ${Date.now()}\n`);
  return dir;
}

/**
 * Removes, from the shared engine, every image reference in the given repositories
 * (`pipeline-test`, `127.0.0.1:PORT/pipeline-test`…): tags, and untagged images still named
 * by a repo digest. By reference, never `-f`, so an image another repository also names stays.
 */
export async function removeImages(repositories: readonly (string | RegExp)[]): Promise<void> {
  const listed = await execa('/usr/bin/docker', ['image', 'ls', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}'], { reject: false });
  const refs = new Set<string>();
  for (const line of listed.stdout.split('\n')) {
    const [repo = '', tag = '', digest = ''] = line.split(' ');
    if (!repositories.some((r) => (typeof r === 'string' ? r === repo : r.test(repo)))) continue;
    if (tag !== '<none>') refs.add(`${repo}:${tag}`);
    else if (digest !== '<none>') refs.add(`${repo}@${digest}`);
  }
  if (refs.size > 0) await execa('/usr/bin/docker', ['rmi', ...refs], { reject: false });
}
