#!/usr/bin/env node
import { resolveBrowserConfig } from './config.js';
import { BrowseError, type BrowseErrorCode } from './errors.js';
import { contentCommand, usage as contentUsage } from './commands/content.js';
import { pdfCommand, usage as pdfUsage } from './commands/pdf.js';
import { screenshotCommand, usage as screenshotUsage } from './commands/screenshot.js';
import { serveCommand, usage as serveUsage } from './commands/serve.js';

const USAGE = `usage:
  ${screenshotUsage}
  ${pdfUsage}
  ${contentUsage}
  ${serveUsage}`;

/** The only place errors become exit statuses. */
const EXIT_CODES: Readonly<Record<BrowseErrorCode, number>> = {
  BAD_REQUEST: 2,
  CONFIG: 2,
  FORBIDDEN: 2,
  UNSUPPORTED_MEDIA_TYPE: 2,
  UNPROCESSABLE: 2,
  PAYLOAD_TOO_LARGE: 2,
  METHOD_NOT_ALLOWED: 2,
  NOT_FOUND: 2,
  UNAUTHORIZED: 2,
  NAVIGATION_FAILED: 3,
  TIMEOUT: 4,
  UNAVAILABLE: 5,
  QUEUE_FULL: 5,
  INTERNAL: 1,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const env = process.env;
  const interrupt = new AbortController();
  const onSignal = (): void => interrupt.abort(new BrowseError('UNAVAILABLE', 'interrupted'));
  switch (command) {
    case 'screenshot':
    case 'pdf':
    case 'content': {
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      const run = { screenshot: screenshotCommand, pdf: pdfCommand, content: contentCommand }[command];
      await run(rest, resolveBrowserConfig(env), interrupt.signal);
      return 0;
    }
    case 'serve': {
      const service = await serveCommand(rest, env);
      await new Promise<void>((resolve) => {
        const stop = (): void => void service.close().then(resolve);
        process.once('SIGTERM', stop).once('SIGINT', stop);
      });
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new BrowseError('BAD_REQUEST', `unknown command "${command}"\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof BrowseError) {
      process.stderr.write(`browse: ${error.message}\n`);
      process.exit(EXIT_CODES[error.code]);
    }
    // parseArgs reports unknown flags as TypeError with a code; those are bad input too.
    if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`browse: ${error.message}\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`browse: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
