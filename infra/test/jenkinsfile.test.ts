import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Arch } from '../../src/arch.js';
import { buildProjectName, DEFAULT_REGION, DEFAULT_REPOSITORY_NAME, manifestProjectName } from '../../src/aws/project-names.js';
import { archOverrideVariables, BUILD_ARCHES } from '../lib/build-variables.js';
import { blockAfter, namedArguments, parsePluginEnvVariables, stripComments } from './support/groovy-text.js';
import { projectNamed, synthStack, variablesOf } from './support/synth-stack.js';

// Jenkins cannot run here, so the Jenkinsfile is read as text and held to the same
// sources of truth as the CDK stack: the names module and the build variables.
const JENKINSFILE = readFileSync(new URL('../../Jenkinsfile', import.meta.url), 'utf8');
const CODE = stripComments(JENKINSFILE);
const TAG = 'latest';

/** A Groovy string value as the job would see it with default parameters. */
function evaluate(literal: string): string {
  const body = /^(['"])(.*)\1$/s.exec(literal);
  if (!body) throw new Error(`not a string literal: ${literal}`);
  if (body[1] === "'") return body[2]!;
  return body[2]!.replace(/\$\{([^}]+)\}/g, (_, expr: string) => {
    const known: Record<string, string> = { 'env.IMAGE_REPO_NAME': repoNameInJenkinsfile(), 'params.IMAGE_TAG': TAG };
    if (!(expr in known)) throw new Error(`unexpected interpolation \${${expr}}`);
    return known[expr]!;
  });
}

function repoNameInJenkinsfile(): string {
  return evaluate(/IMAGE_REPO_NAME\s*=\s*('[^']*')/.exec(blockAfter(JENKINSFILE, 'environment'))![1]!);
}

function codeBuildCall(stageName: string): Record<string, string> {
  return namedArguments(blockAfter(JENKINSFILE, `stage('${stageName}')`), 'awsCodeBuild');
}

describe('Jenkinsfile', () => {
  it('is a declarative pipeline with IMAGE_TAG and AWS_DEFAULT_REGION parameters', () => {
    expect(CODE).toMatch(/^pipeline \{/m);
    const parameters = blockAfter(JENKINSFILE, 'parameters');
    expect(parameters).toMatch(/string\(name: 'IMAGE_TAG', defaultValue: 'latest'/);
    expect(parameters).toContain(`string(name: 'AWS_DEFAULT_REGION', defaultValue: '${DEFAULT_REGION}'`);
    expect(repoNameInJenkinsfile()).toBe(DEFAULT_REPOSITORY_NAME);
  });

  it('has a timeout and no concurrent runs', () => {
    const options = blockAfter(JENKINSFILE, 'options');
    expect(options).toMatch(/timeout\(time: \d+, unit: 'MINUTES'\)/);
    expect(options).toContain('disableConcurrentBuilds()');
  });

  it('builds both arches in parallel with failFast, then creates the manifest', () => {
    const build = blockAfter(JENKINSFILE, "stage('Build')");
    expect(build).toMatch(/^\s*failFast true\s*$/m);
    const parallel = blockAfter(build, 'parallel');
    expect([...parallel.matchAll(/stage\('([^']+)'\)/g)].map((m) => m[1])).toEqual(['Build arm64', 'Build amd64']);
    const stages = [...blockAfter(JENKINSFILE, 'stages').matchAll(/stage\('([^']+)'\)/g)].map((m) => m[1]);
    expect(stages).toEqual(['Build', 'Build arm64', 'Build amd64', 'Create Manifest']);
  });

  const stageOf: Record<Arch, string> = { amd64: 'Build amd64', arm64: 'Build arm64' };

  it.each(BUILD_ARCHES)('runs the %s project with the same overrides as the CDK stack', (arch) => {
    const call = codeBuildCall(stageOf[arch]);
    expect(evaluate(call.projectName!)).toBe(buildProjectName(DEFAULT_REPOSITORY_NAME, arch));
    expect(call.region).toBe('params.AWS_DEFAULT_REGION');
    expect(["'keys'", "'jenkins'"]).toContain(call.credentialsType);
    expect(call.sourceControlType).toBe("'project'");
    const overrides = parsePluginEnvVariables(evaluate(call.envVariables!));
    expect(overrides).toEqual(archOverrideVariables(TAG, arch));
    // … and they are what the deployed project holds by default, so a run with the default
    // tag changes nothing, as in the original.
    const projectVars = variablesOf(projectNamed(synthStack().template, buildProjectName(DEFAULT_REPOSITORY_NAME, arch)).props);
    expect(projectVars).toMatchObject(overrides);
  });

  it('runs the manifest project with MANIFEST_TAG (and the per-arch tag base) from IMAGE_TAG', () => {
    const call = codeBuildCall('Create Manifest');
    expect(evaluate(call.projectName!)).toBe(manifestProjectName(DEFAULT_REPOSITORY_NAME));
    expect(call.sourceControlType).toBe("'project'");
    const overrides = parsePluginEnvVariables(evaluate(call.envVariables!));
    expect(overrides).toEqual({ MANIFEST_TAG: TAG, IMAGE_TAG: TAG });
    const projectVars = variablesOf(projectNamed(synthStack().template, manifestProjectName(DEFAULT_REPOSITORY_NAME)).props);
    expect(projectVars.MANIFEST_TAG).toBe(overrides.MANIFEST_TAG);
  });

  it('checks every CodeBuild result and fails the stage unless CodeBuild says SUCCEEDED', () => {
    for (const stage of ['Build arm64', 'Build amd64', 'Create Manifest']) {
      const body = blockAfter(JENKINSFILE, `stage('${stage}')`);
      expect(body).toMatch(/def result = awsCodeBuild\(/);
      expect(body).toMatch(/requireCodeBuildSucceeded\(result, '[^']+'\)/);
    }
    const check = blockAfter(JENKINSFILE, 'def requireCodeBuildSucceeded(result, String what)');
    expect(check).toContain("result?.getStatus()");
    expect(check).toMatch(/pluginStatus != 'SUCCESS'[^\n]*\n\s*error\(/);
    expect(check).toContain('aws codebuild batch-get-builds');
    expect(check).toContain('builds[0].buildStatus');
    expect(check).toMatch(/buildStatus != 'SUCCEEDED'\)\s*\{\s*error\(/);
  });

  it('explains on abort that the plugin leaves the remote builds running', () => {
    const aborted = blockAfter(JENKINSFILE, 'aborted');
    expect(JENKINSFILE).toMatch(/does not call StopBuild when the job is aborted/);
    expect(aborted).toContain('aws codebuild stop-build');
  });

  it('documents the multiarch pipeline alternative, commented out and ready to swap in', () => {
    const alternative = JENKINSFILE.split('\n').filter((l) => l.includes('npx --yes multiarch'));
    // Every arch on CodeBuild (the per-arch `--builder <arch>=codebuild` form), same tag and region.
    const builders = BUILD_ARCHES.map((arch) => `--builder ${arch}=codebuild`).join(' ');
    expect(alternative).toEqual([`        //         sh 'npx --yes multiarch pipeline ${builders} --tag "$IMAGE_TAG" --region "$AWS_DEFAULT_REGION"'`]);
    expect(JENKINSFILE).toMatch(/\/\/ stage\('Pipeline'\) \{/);
    expect(CODE).not.toContain('multiarch pipeline');
  });
});
