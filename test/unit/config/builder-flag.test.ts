import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/run-cli.js';

async function configJson(argv: string[]): Promise<{ code: number; out: string }> {
  const { code, stdout } = await runCli(['config', '--json', ...argv]);
  return { code, out: stdout };
}

describe('--builder', () => {
  it('without arch= applies to every arch (the Jenkinsfile form)', async () => {
    const { code, out } = await configJson(['--builder', 'codebuild', '--account-id', '123456789012']);
    expect(code).toBe(0);
    expect(JSON.parse(out).builders).toEqual({ amd64: 'codebuild', arm64: 'codebuild' });
  });

  it('per arch overrides the all-arches value given before it', async () => {
    const { code, out } = await configJson(['--builder', 'remote:ssh://builder@host', '--builder', 'arm64=codebuild', '--account-id', '123456789012']);
    expect(code).toBe(0);
    expect(JSON.parse(out).builders).toEqual({ amd64: 'remote:ssh://builder@host', arm64: 'codebuild' });
  });

  it('MULTIARCH_BUILDERS takes the same forms as the flag', async () => {
    const { code, stdout } = await runCli(['config', '--json', '--account-id', '123456789012'], { MULTIARCH_BUILDERS: 'codebuild,amd64=local', MULTIARCH_CONFIG: undefined });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).builders).toEqual({ amd64: 'local', arm64: 'codebuild' });
  });

  it('codebuild-build:<id> adopts a build someone else started; anything but a build id is bad input before any work', async () => {
    const amd64 = 'multi-arch-test-amd64:0f6e1c7a-3d2b-4c1e-9a8b-7c6d5e4f3a2b';
    const arm64 = 'multi-arch-test-arm64:1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d';
    const { code, out } = await configJson(['--builder', `amd64=codebuild-build:${amd64}`, '--builder', `arm64=codebuild-build:${arm64}`, '--account-id', '123456789012']);
    expect(code).toBe(0);
    expect(JSON.parse(out).builders).toEqual({ amd64: `codebuild-build:${amd64}`, arm64: `codebuild-build:${arm64}` });
    for (const bad of ['codebuild-build:latest', 'codebuild-build:proj:../../etc', `codebuild-build:${amd64};rm -rf /`, 'codebuild-build:']) {
      const result = await runCli(['config', '--json', '--builder', `arm64=${bad}`, '--account-id', '123456789012']);
      expect(result.code, bad).toBe(2);
      expect(result.stderr, bad).toMatch(/CodeBuild build id, <project>:<uuid>/);
      expect(result.stderr.trim().split('\n'), bad).toHaveLength(1);
    }
  });
});
