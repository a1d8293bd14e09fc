#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { MultiarchError } from '../errors.js';
import { exitCodeFor } from './exit-codes.js';
import { registerCommands } from './commands/index.js';
import { installCancellation } from './cancellation.js';
import { resetRunContext, runContext } from './run-context.js';

/** Builds the `multiarch` program; separate from running it so tests can drive it. */
export function createProgram(): Command {
  const program = new Command('multiarch')
    .description('Build, smoke-test and publish multi-arch headless Chromium + puppeteer-core images')
    .version('0.1.0')
    .showHelpAfterError(false)
    .exitOverride();
  registerCommands(program);
  return program;
}

/** Runs the CLI; the only place in the project that decides the process exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  // one snapshot of the environment per invocation, shared by every verb
  resetRunContext();
  const cancellation = installCancellation();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed the usage error (or help/version with exit code 0)
      return error.exitCode === 0 ? 0 : 2;
    }
    const message = error instanceof MultiarchError ? error.message : error instanceof Error ? error.message : String(error);
    process.stderr.write(`multiarch: error: ${message}\n`);
    if (runContext().debug && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
    return exitCodeFor(error);
  } finally {
    cancellation.dispose();
  }
}

const invokedDirectly = process.argv[1] !== undefined && /main\.(ts|js)$/.test(process.argv[1]);
const invokedViaBin = process.argv[1] !== undefined && /multiarch(\.js)?$/.test(process.argv[1]);
if (invokedDirectly || invokedViaBin) {
  process.exitCode = await main(process.argv.slice(2));
}
