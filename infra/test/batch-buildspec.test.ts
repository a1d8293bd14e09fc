import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseArch } from '../../src/arch.js';
import { batchProjectName, DEFAULT_REPOSITORY_NAME } from '../../src/aws/project-names.js';
import { archOverrideVariables } from '../lib/build-variables.js';
import { ARCH_ENVIRONMENTS, BUILDSPEC_FILES, MANIFEST_ENVIRONMENT } from '../lib/multiarch-stack.js';
import { projectNamed, synthStack } from './support/synth-stack.js';

// buildspec-batch.yml (written with the buildspecs) restates each build's host; it must be
// the host the standalone projects use, and must fit the batch project's restrictions.
interface GraphBuild {
  identifier: string;
  buildspec: string;
  env: { type: string; image: string; 'compute-type': string; 'privileged-mode': boolean; variables?: Record<string, string> };
}

const spec = parse(readFileSync(new URL(`../../${BUILDSPEC_FILES.batch}`, import.meta.url), 'utf8')) as { batch: { 'build-graph': GraphBuild[] } };
const graph = spec.batch['build-graph'];

describe(`${BUILDSPEC_FILES.batch} against the batch project`, () => {
  const { props } = projectNamed(synthStack({ batch: 'true' }).template, batchProjectName(DEFAULT_REPOSITORY_NAME));
  const restrictions = props.BuildBatchConfig.Restrictions;

  it('stays within the build count and compute types the project allows', () => {
    expect(graph.length).toBeLessThanOrEqual(restrictions.MaximumBuildsAllowed);
    for (const build of graph) expect(restrictions.ComputeTypesAllowed).toContain(build.env['compute-type']);
  });

  it('builds each arch on the same host as its standalone project, with the same overrides', () => {
    const archBuilds = graph.filter((b) => b.buildspec === BUILDSPEC_FILES.arch);
    const arches = archBuilds.map((b) => parseArch(b.env.variables!.IMAGE_ARCH!));
    expect(arches.sort()).toEqual(['amd64', 'arm64']);
    for (const build of archBuilds) {
      const arch = parseArch(build.env.variables!.IMAGE_ARCH!);
      const host = ARCH_ENVIRONMENTS[arch];
      expect(build.env).toMatchObject({
        type: host.buildImage.type,
        image: host.buildImage.imageId,
        'compute-type': host.computeType,
        'privileged-mode': true,
      });
      // Only the arch: no tag is named in the graph, so none can disagree with MANIFEST_TAG
      // (the batch project's one tag input); the arch builds push run tags.
      expect(build.env.variables).toEqual({ IMAGE_ARCH: archOverrideVariables('latest', arch).IMAGE_ARCH });
    }
  });

  it('publishes the index on the manifest host after both arch builds', () => {
    const manifest = graph.filter((b) => b.buildspec === BUILDSPEC_FILES.manifest);
    expect(manifest).toHaveLength(1);
    expect(manifest[0]!.env).toMatchObject({
      type: MANIFEST_ENVIRONMENT.buildImage.type,
      image: MANIFEST_ENVIRONMENT.buildImage.imageId,
      'compute-type': MANIFEST_ENVIRONMENT.computeType,
      'privileged-mode': true,
    });
    const archIds = graph.filter((b) => b.buildspec === BUILDSPEC_FILES.arch).map((b) => b.identifier);
    expect(((manifest[0] as unknown as { 'depend-on': string[] })['depend-on'] ?? []).sort()).toEqual(archIds.sort());
  });
});

describe(`${BUILDSPEC_FILES.batch} and ${BUILDSPEC_FILES.manifest} agree`, () => {
  const manifestSpec = readFileSync(new URL(`../../${BUILDSPEC_FILES.manifest}`, import.meta.url), 'utf8');

  it('names no tag anywhere in the graph (no hard-coded latest-*)', () => {
    const text = readFileSync(new URL(`../../${BUILDSPEC_FILES.batch}`, import.meta.url), 'utf8').replace(/^\s*#.*$/gm, '');
    expect(text).not.toMatch(/IMAGE_TAG|MANIFEST_TAG|latest/);
  });

  it('reads the siblings by the identifiers the graph gives them', () => {
    const ids = graph.filter((b) => b.buildspec === BUILDSPEC_FILES.arch).map((b) => [parseArch(b.env.variables!.IMAGE_ARCH!), b.identifier] as const);
    for (const [arch, identifier] of ids) expect(manifestSpec).toContain(`BATCH_BUILD_${arch.toUpperCase()}:-${identifier}`);
  });
});
