import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verbNames, verbsFor } from '../../../src/cli/commands/index.js';
import { createProgram } from '../../../src/cli/main.js';
import { projectRoot } from '../../../src/project-paths.js';
import { runCli } from '../../support/run-cli.js';

describe('verbs are loaded by name', () => {
  it('picks the verbs a command line needs', () => {
    expect(verbsFor(['--version'])).toEqual([]);
    expect(verbsFor(['-V'])).toEqual([]);
    expect(verbsFor(['index', 'create', 'x'])).toEqual(['index']);
    expect(verbsFor(['help', 'build'])).toEqual(['build']);
    // help, usage errors and unknown verbs need them all (listing, suggestions)
    expect(verbsFor([])).toEqual(verbNames);
    expect(verbsFor(['--help'])).toEqual(verbNames);
    expect(verbsFor(['frobnicate'])).toEqual(verbNames);
  });

  it('registers exactly the verb that runs, and every listed verb registers under its name', async () => {
    expect((await createProgram(['index', 'create'])).commands.map((c) => c.name())).toEqual(['index']);
    expect((await createProgram(['index', 'create'])).commands[0]?.commands.map((c) => c.name()).sort()).toEqual(['create', 'inspect']);
    expect((await createProgram(['--version'])).commands).toEqual([]);
    for (const name of verbNames) expect((await createProgram([name])).commands.map((c) => c.name())).toEqual([name]);
    expect((await createProgram()).commands.map((c) => c.name())).toEqual(verbNames);
  });

  it('--version prints the package version without loading a verb; help still lists every verb', async () => {
    const { version } = JSON.parse(readFileSync(`${projectRoot()}/package.json`, 'utf8')) as { version: string };
    expect((await createProgram(['--version'])).version()).toBe(version);
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const name of verbNames) expect(help.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
