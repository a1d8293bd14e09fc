import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../../src/project-paths.js';

// scripts/setup-host.sh installs what every use needs; test-only tools (groovy and the Java
// runtime it depends on) only when asked, which `npm test` does and `npm run demo` does not.
const script = join(projectRoot(), 'scripts', 'setup-host.sh');
const rootPackage = (await import('../../../package.json', { with: { type: 'json' } })).default as { scripts: Record<string, string> };

async function packages(...args: string[]): Promise<string[]> {
  const result = await execa('bash', [script, ...args, '--list-packages']);
  return result.stdout.split('\n');
}

describe('setup-host.sh profiles', () => {
  it('leaves groovy (and so Java) out unless --test-tools is given', async () => {
    const demo = await packages();
    expect(demo).toEqual(expect.arrayContaining(['docker.io', 'docker-registry', 'mmdebstrap', 'chromium', 'skopeo']));
    expect(demo).not.toContain('groovy');
    expect(demo.some((p) => /jre|jdk|java/.test(p))).toBe(false);
    expect(await packages('--test-tools')).toContain('groovy');
  });

  it('is run by npm test with the test tools and the project Node, and by the demo with neither', () => {
    expect(rootPackage.scripts['test']).toMatch(/setup-host\.sh --test-tools --project-node &&/);
    expect(rootPackage.scripts['demo']).toMatch(/setup-host\.sh &&/);
    expect(rootPackage.scripts['demo']).not.toMatch(/--test-tools|--project-node/);
    // the tests run on the project's Node (puppeteer-core needs >= 22.12), not the system one
    expect(rootPackage.scripts['test']).toContain('PATH="$PWD/image/node/node_modules/.bin:$PATH"');
  });

  it('refuses an unknown argument with one line and exit 2, before doing anything', async () => {
    const result = await execa('bash', [script, '--test-tool'], { reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual(['[setup] error: unknown argument --test-tool (expected --test-tools, --project-node, --list-packages)']);
    expect(result.stdout).toBe('');
  });
});
