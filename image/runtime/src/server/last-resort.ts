import type { Logger } from '../log.js';

/**
 * The net under every other error path. Node's default for an exception no callback
 * catches (or a rejection nobody handles) is to exit, which would drop every running job
 * for one fault in one job. Browser faults are contained where they happen (the pipe
 * transport, the pool); anything that still gets here is logged with its stack and the
 * service keeps serving. `/health` and the browser-ready metric still tell an
 * orchestrator when the service is really unwell.
 */
export function installLastResortHandlers(log: Logger, onFault: () => void = () => undefined): void {
  process.on('uncaughtException', (error: Error) => {
    onFault();
    log.error('uncaught exception; service kept running', { error: error.message, stack: error.stack });
  });
  process.on('unhandledRejection', (reason: unknown) => {
    onFault();
    log.error('unhandled rejection; service kept running', { error: reason instanceof Error ? reason.message : String(reason), stack: reason instanceof Error ? reason.stack : undefined });
  });
}
