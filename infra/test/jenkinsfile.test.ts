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
/** What the job's variables hold at the manifest stage, for evaluating its strings. */
const RUN_ID = 'jenkins-7-0123456789ab';
const DIGESTS = { amd64: `sha256:${'1'.repeat(64)}`, arm64: `sha256:${'2'.repeat(64)}` };
const BUILD_IDS = { amd64: 'multi-arch-test-amd64:0f6e1c7a-3d2b-4c1e-9a8b-7c6d5e4f3a2b', arm64: 'multi-arch-test-arm64:1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d' };

/** A Groovy string value as the job would see it with default parameters. */
function evaluate(literal: string): string {
  const body = /^(['"])(.*)\1$/s.exec(literal);
  if (!body) throw new Error(`not a string literal: ${literal}`);
  if (body[1] === "'") return body[2]!;
  return body[2]!.replace(/\$\{([^}]+)\}/g, (_, expr: string) => {
    const known: Record<string, string> = {
      'env.IMAGE_REPO_NAME': repoNameInJenkinsfile(),
      'params.IMAGE_TAG': TAG,
      'env.RUN_ID': RUN_ID,
      'env.IMAGE_DIGEST_AMD64': DIGESTS.amd64,
      'env.IMAGE_DIGEST_ARM64': DIGESTS.arm64,
      'env.BUILD_ID_AMD64': BUILD_IDS.amd64,
      'env.BUILD_ID_ARM64': BUILD_IDS.arm64,
    };
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

  it('pins the commit first, then builds both arches in parallel with failFast, then creates the manifest', () => {
    const build = blockAfter(JENKINSFILE, "stage('Build')");
    expect(build).toMatch(/^\s*failFast true\s*$/m);
    const parallel = blockAfter(build, 'parallel');
    expect([...parallel.matchAll(/stage\('([^']+)'\)/g)].map((m) => m[1])).toEqual(['Build arm64', 'Build amd64']);
    const stages = [...blockAfter(JENKINSFILE, 'stages').matchAll(/stage\('([^']+)'\)/g)].map((m) => m[1]);
    expect(stages).toEqual(['Source', 'Build', 'Build arm64', 'Build amd64', 'Create Manifest']);
    const source = blockAfter(JENKINSFILE, "stage('Source')");
    expect(source).toMatch(/env\.SOURCE_VERSION = sh\(returnStdout: true, script: 'git rev-parse HEAD'\)\.trim\(\)/);
    expect(source).toMatch(/env\.RUN_ID = "jenkins-\$\{env\.BUILD_NUMBER\}-/);
  });

  const stageOf: Record<Arch, string> = { amd64: 'Build amd64', arm64: 'Build arm64' };

  it.each(['Build arm64', 'Build amd64', 'Create Manifest'])('%s: builds the checked-out commit, throws on failure, one credential', (stage) => {
    const call = codeBuildCall(stage);
    expect(call.sourceVersion).toBe('env.SOURCE_VERSION');
    expect(call.exceptionFailureMode).toBe("'ENABLED'");
    expect(call.credentialsType).toBe("'jenkins'");
    expect(call.credentialsId).toBe('params.AWS_CREDENTIALS_ID');
    expect(call.region).toBe('params.AWS_DEFAULT_REGION');
    expect(call.sourceControlType).toBe("'project'");
  });

  it.each(BUILD_ARCHES)('runs the %s project pushing only a run tag, and reads back its IMAGE_DIGEST', (arch) => {
    const call = codeBuildCall(stageOf[arch]);
    expect(evaluate(call.projectName!)).toBe(buildProjectName(DEFAULT_REPOSITORY_NAME, arch));
    const overrides = parsePluginEnvVariables(evaluate(call.envVariables!));
    const { IMAGE_ARCH } = archOverrideVariables(TAG, arch);
    // Not the published per-arch tag: the manifest build moves that one, after verifying.
    expect(overrides).toEqual({ IMAGE_TAG: `run-${RUN_ID}-${IMAGE_ARCH}`, IMAGE_ARCH, MANIFEST_TAG: TAG });
    expect(overrides.IMAGE_TAG).not.toBe(archOverrideVariables(TAG, arch).IMAGE_TAG);
    // The project holds the same IMAGE_ARCH by default.
    const projectVars = variablesOf(projectNamed(synthStack().template, buildProjectName(DEFAULT_REPOSITORY_NAME, arch)).props);
    expect(projectVars.IMAGE_ARCH).toBe(IMAGE_ARCH);
    const body = blockAfter(JENKINSFILE, `stage('${stageOf[arch]}')`);
    expect(body).toContain(`env.IMAGE_DIGEST_${arch.toUpperCase()} = exportedVariable(result, 'IMAGE_DIGEST')`);
  });

  it('forwards each arch build\'s exported digest and build id to the manifest build (digest mode, adopted builds, never tags)', () => {
    const call = codeBuildCall('Create Manifest');
    expect(evaluate(call.projectName!)).toBe(manifestProjectName(DEFAULT_REPOSITORY_NAME));
    const overrides = parsePluginEnvVariables(evaluate(call.envVariables!));
    expect(overrides).toEqual({ MANIFEST_TAG: TAG, IMAGE_DIGEST_AMD64: DIGESTS.amd64, IMAGE_DIGEST_ARM64: DIGESTS.arm64, BUILD_ID_AMD64: BUILD_IDS.amd64, BUILD_ID_ARM64: BUILD_IDS.arm64, RUN_ID });
    // each id is the plugin's own result of that arch's stage
    for (const [stage, arch] of [['Build amd64', 'AMD64'], ['Build arm64', 'ARM64']] as const) {
      expect(blockAfter(JENKINSFILE, `stage('${stage}')`)).toContain(`env.BUILD_ID_${arch} = result.getBuildId()`);
    }
    expect(overrides).not.toHaveProperty('MANIFEST_SOURCES');
    const projectVars = variablesOf(projectNamed(synthStack().template, manifestProjectName(DEFAULT_REPOSITORY_NAME)).props);
    expect(projectVars.MANIFEST_TAG).toBe(overrides.MANIFEST_TAG);
  });

  it('reads the exported digest on the agent with the same Jenkins credential the plugin uses, and checks it', () => {
    const read = blockAfter(JENKINSFILE, 'def exportedVariable(result, String name)');
    expect(read).toMatch(/withCredentials\(\[\[\$class: 'AmazonWebServicesCredentialsBinding', credentialsId: params\.AWS_CREDENTIALS_ID\]\]\)/);
    expect(read).toContain('aws codebuild batch-get-builds');
    expect(read).toContain('exportedEnvironmentVariables[?name==');
    expect(read).toMatch(/value ==~ \/sha256:\[0-9a-f\]\{64\}\/\)\)\s*\{\s*error\(/);
    // No agent-side status check with the agent's own identity any more.
    expect(CODE).not.toContain('buildStatus');
    const awsCalls = CODE.split('\n').filter((l) => /\baws (codebuild|ecr|sts)\b/.test(l));
    expect(awsCalls).toHaveLength(1);
  });

  it('states on abort what the plugin really does: StopBuild, no tag moved', () => {
    const aborted = blockAfter(JENKINSFILE, 'aborted');
    expect(JENKINSFILE).toMatch(/The plugin stops \(StopBuild\)/);
    expect(JENKINSFILE).not.toMatch(/does not call StopBuild/);
    expect(aborted).toMatch(/no tag moved/);
  });

  it('documents the multiarch pipeline alternative with a signal-forwarding launcher and no registry fetch', () => {
    const alternative = JENKINSFILE.split('\n').filter((l) => l.includes('multiarch.js pipeline'));
    const builders = BUILD_ARCHES.map((arch) => `--builder ${arch}=codebuild`).join(' ');
    expect(alternative).toHaveLength(1);
    expect(alternative[0]).toContain(`sh 'exec node bin/multiarch.js pipeline ${builders} --tag "$IMAGE_TAG" --region "$AWS_DEFAULT_REGION" --account-id `);
    // Every command the job (or its commented alternative) would run: none through a wrapper
    // that can die on abort and orphan the pipeline, none fetching a package by name.
    const shellLines = JENKINSFILE.split('\n').filter((l) => /\bsh[ (]/.test(l));
    expect(shellLines.length).toBeGreaterThan(1);
    for (const line of shellLines) expect(line).not.toMatch(/\bnpx\b|npm run|npm exec|--yes/);
    expect(JENKINSFILE).toMatch(/\/\/ stage\('Pipeline'\) \{/);
    expect(CODE).not.toContain('multiarch.js');
  });
});
