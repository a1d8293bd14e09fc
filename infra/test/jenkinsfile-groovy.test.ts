import { copyFileSync, existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

// Jenkins runs pipelines on Groovy 2.4; Debian's `groovy` package is 2.4 too, so where it is
// installed (`apt-get install groovy`) the Jenkinsfile is compiled with it: a syntax error
// Jenkins would reject at load time fails here. Without groovyc the test fails and says so.
const GROOVYC = '/usr/bin/groovyc';
const JAVA = '/usr/bin/java';
const available = existsSync(GROOVYC) && existsSync(JAVA);

describe('Jenkinsfile under groovyc 2.4', () => {
  it('has groovyc and java to compile with', () => {
    expect(available, `${GROOVYC} or ${JAVA} missing: apt-get install groovy (Debian's is Jenkins' Groovy 2.4)`).toBe(true);
  });

  const dir = mkdtempSync(join(tmpdir(), 'jenkinsfile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // groovyc wants JAVA_HOME; derive it from the java on PATH (…/bin/java → …).
  const env = { JAVA_HOME: available ? dirname(dirname(realpathSync(JAVA))) : '' };

  const compile = async (source: string) => execa(GROOVYC, ['-d', join(dir, 'out'), source], { env, reject: false, timeout: 120_000 });

  it.runIf(available)('compiles', async () => {
    const source = join(dir, 'Jenkinsfile.groovy');
    copyFileSync(new URL('../../Jenkinsfile', import.meta.url), source);
    const result = await compile(source);
    expect(result.stderr + result.stdout).not.toMatch(/error|exception/i);
    expect(result.exitCode).toBe(0);
  });
});
