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
});
