import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/run-cli.js';

describe('CLI bad input', () => {
  it.each([
    [['build', '--arch', 'sparc', '--base', 'public'], /unknown architecture "sparc"/],
    [['build', '--arch', 'amd64', '--arch-tag', '{tag}', '--base', 'public'], /must contain \{tag\} and \{arch\}/],
    [['build', '--arch', 'amd64', '--registry-port', '70000', '--base', 'public'], /--registry-port must be a TCP port/],
    [['build', '--arch', 'amd64', '--ca-bundle', '/nonexistent/ca.pem', '--base', 'public'], /CA bundle \/nonexistent\/ca.pem does not exist/],
    // build takes the pipeline's build inputs, checked the same way before anything runs
    [['build', '--arch', 'amd64', '--base', 'public', '--dockerfile', '/nonexistent/Dockerfile'], /Dockerfile \/nonexistent\/Dockerfile does not exist/],
    [['build', '--arch', 'amd64', '--base', 'public', '--secret', 'ca=/nonexistent/ca.pem'], /--secret ca=\/nonexistent\/ca.pem: no such file/],
    [['build', '--arch', 'amd64', '--base', 'public', '--build-arg', 'novalue'], /--build-arg: "novalue" must look like KEY=VALUE/],
    [['test', 'some-image', '--arch', 'mips'], /unknown architecture "mips"/],
  ])('multiarch %j exits 2 with one clear line', async (argv, message) => {
    const { code, stderr } = await runCli(argv);
    expect(code).toBe(2);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^multiarch: error: /);
    expect(lines[0]).toMatch(message);
  });

  it('exits 2 on an unknown command', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
  });
});
