import { CancelledError } from '../errors.js';

/** The CLI's one cancellation source: signals and the death of the launching process. */
export interface Cancellation {
  readonly signal: AbortSignal;
  /** Stops listening (the process is about to exit). */
  dispose(): void;
}

export interface CancellationOptions {
  readonly stream?: NodeJS.WriteStream;
  /** How often to check that the launching process is still there. */
  readonly parentPollMs?: number;
}

const SHOW_CURSOR = '\u001b[?25h';
let current: Cancellation | undefined;

/**
 * Turns the first SIGINT/SIGTERM into a cancellation every running step sees (builds,
 * containers, pushes and CodeBuild builds are stopped, temp dirs removed, the report
 * printed, exit 130), and a second one into an immediate exit. The listeners stay for
 * the whole run: a `process.once` handler that removes itself leaves execa's
 * signal-exit as the only listener, and it re-raises the signal, killing the process
 * mid-cleanup.
 *
 * Launchers (`npm run`, `npx`, a shell) can die without passing the signal on; the run
 * then notices it was re-parented and cancels itself, rather than publish as an orphan.
 */
export function installCancellation(options: CancellationOptions = {}): Cancellation {
  const stream = options.stream ?? process.stderr;
  const controller = new AbortController();
  let count = 0;
  const onSignal = (name: NodeJS.Signals): void => {
    count += 1;
    if (count === 1) {
      stream.write(`\nmultiarch: ${name}: cancelling (stopping builds and pushes; no tag will move). Send it again to exit at once.\n`);
      controller.abort(new CancelledError(`cancelled by ${name}`));
      return;
    }
    if (stream.isTTY) stream.write(SHOW_CURSOR);
    stream.write(`multiarch: second ${name}: exiting now\n`);
    process.exit(130);
  };
  const launcher = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== launcher && !controller.signal.aborted) {
      stream.write(`\nmultiarch: the launching process (pid ${launcher}) is gone: cancelling\n`);
      controller.abort(new CancelledError(`cancelled: the launching process (pid ${launcher}) exited`));
    }
  }, options.parentPollMs ?? 1_000);
  watch.unref();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const cancellation: Cancellation = {
    signal: controller.signal,
    dispose: () => {
      clearInterval(watch);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (current === cancellation) current = undefined;
    },
  };
  current = cancellation;
  return cancellation;
}

/** The running CLI's cancellation signal, for verbs (never aborts outside a CLI run). */
export function cliSignal(): AbortSignal {
  return current?.signal ?? new AbortController().signal;
}
