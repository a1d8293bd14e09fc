import type { Command } from 'commander';
import { MultiarchError } from '../errors.js';
import { exitCodeFor } from './exit-codes.js';
import { registerCommands } from './commands/index.js';
import { installCancellation } from './cancellation.js';
import { resetRunContext, runContext } from './run-context.js';
import { packageVersion } from '../package-version.js';

/**
 * Builds the `multiarch` program; separate from running it so tests can drive it. Given
 * `argv`, only the verbs that command line needs are loaded (see commands/index.ts).
 */
export async function createProgram(argv?: readonly string[]): Promise<Command> {
  const { Command } = await import('commander');
  const program = new Command('multiarch')
    .description('Build, smoke-test and publish multi-arch headless Chromium + puppeteer-core images')
    .version(packageVersion())
    .showHelpAfterError(false)
    .exitOverride();
  await registerCommands(program, argv);
  return program;
}

/** Runs the CLI; the only place in the project that decides the process exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  // `--version` alone needs no parser and no verb: answered before loading either.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  // one snapshot of the environment per invocation, shared by every verb
  resetRunContext();
  const cancellation = installCancellation();
  try {
    const program = await createProgram(argv);
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (isCommanderError(error)) {
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

/** commander's errors carry a `commander.*` code (its class is loaded lazily, so no instanceof). */
function isCommanderError(error: unknown): error is Error & { exitCode: number; code: string } {
  if (!(error instanceof Error)) return false;
  const { code, exitCode } = error as Error & { code?: unknown; exitCode?: unknown };
  return typeof code === 'string' && code.startsWith('commander.') && typeof exitCode === 'number';
}

// `tsx src/cli/main.ts …` (npm scripts) and `node dist/src/cli/main.js …` run it directly;
// bin/multiarch.js imports it (or its bundle) and calls main() itself.
if (process.argv[1] !== undefined && /[\\/]main\.(ts|js)$/.test(process.argv[1])) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
