/** Fields attached to one log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/** Structured logger: one JSON object per line, so log shippers need no parsing rules. */
export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. the request id). */
  child(fields: LogFields): Logger;
}

export type LogSink = (line: string) => void;

export function createJsonLogger(sink: LogSink = (line) => process.stdout.write(`${line}\n`), base: LogFields = {}): Logger {
  const write = (level: string, msg: string, fields: LogFields = {}): void => {
    sink(JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields }));
  };
  return {
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (fields) => createJsonLogger(sink, { ...base, ...fields }),
  };
}

/** Discards everything (CLI one-shot commands, tests that do not inspect logs). */
export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
