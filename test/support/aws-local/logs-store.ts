import { AwsError } from './codebuild-wire.js';

/** One stored log event, as CloudWatch Logs returns it. */
export interface StoredLogEvent {
  readonly timestamp: number;
  readonly message: string;
  readonly ingestionTime: number;
  readonly eventId: string;
}

/**
 * In-memory CloudWatch Logs: the groups and streams local builds write to, and the two
 * read operations build pollers use (`Logs_20140328.GetLogEvents`, `FilterLogEvents`).
 * Paging tokens are `f/<index>` / `b/<index>`; like the real service, GetLogEvents hands
 * back the token it was given when there is nothing new, which is how pollers know to
 * wait.
 */
export class LogsStore {
  private readonly groups = new Map<string, Map<string, StoredLogEvent[]>>();
  private nextEventId = 0;

  createStream(group: string, stream: string): void {
    let streams = this.groups.get(group);
    if (!streams) this.groups.set(group, (streams = new Map()));
    if (!streams.has(stream)) streams.set(stream, []);
  }

  append(group: string, stream: string, message: string, timestamp = Date.now()): void {
    this.createStream(group, stream);
    this.groups.get(group)?.get(stream)?.push({ timestamp, message, ingestionTime: Date.now(), eventId: String(this.nextEventId++).padStart(20, '0') });
  }

  /** All messages of a stream (for tests and diagnostics). */
  messages(group: string, stream: string): string[] {
    return (this.groups.get(group)?.get(stream) ?? []).map((event) => event.message);
  }

  getLogEvents(input: Record<string, unknown>): unknown {
    const group = groupName(input);
    const streamName = input['logStreamName'];
    if (typeof streamName !== 'string') throw new AwsError('InvalidParameterException', 'logStreamName is required');
    const streams = this.groups.get(group);
    if (!streams) throw new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
    const all = streams.get(streamName);
    if (!all) throw new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.');
    const events = all.filter((event) => inRange(event, input));
    const limit = clampLimit(input['limit'], 10_000);
    const token = typeof input['nextToken'] === 'string' ? input['nextToken'] : undefined;
    let start: number;
    let end: number;
    if (token?.startsWith('f/')) {
      start = parseToken(token, events.length);
      end = Math.min(events.length, start + limit);
    } else if (token?.startsWith('b/')) {
      end = parseToken(token, events.length);
      start = Math.max(0, end - limit);
    } else if (token !== undefined) {
      throw new AwsError('InvalidParameterException', 'The specified nextToken is invalid.');
    } else if (input['startFromHead'] === true) {
      start = 0;
      end = Math.min(events.length, limit);
    } else {
      end = events.length;
      start = Math.max(0, end - limit);
    }
    return {
      events: events.slice(start, end).map(({ timestamp, message, ingestionTime }) => ({ timestamp, message, ingestionTime })),
      nextForwardToken: `f/${end}`,
      nextBackwardToken: `b/${start}`,
    };
  }

  filterLogEvents(input: Record<string, unknown>): unknown {
    const group = groupName(input);
    const streams = this.groups.get(group);
    if (!streams) throw new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
    const names = Array.isArray(input['logStreamNames']) ? (input['logStreamNames'] as unknown[]).filter((n): n is string => typeof n === 'string') : undefined;
    const prefix = typeof input['logStreamNamePrefix'] === 'string' ? input['logStreamNamePrefix'] : undefined;
    if (names && prefix !== undefined) throw new AwsError('InvalidParameterException', 'logStreamNames and logStreamNamePrefix are mutually exclusive');
    const searched = [...streams.keys()].filter((name) => (names ? names.includes(name) : prefix === undefined || name.startsWith(prefix)));
    const matches = matcher(input['filterPattern']);
    const events = searched
      .flatMap((logStreamName) => (streams.get(logStreamName) ?? []).map((event) => ({ logStreamName, ...event })))
      .filter((event) => inRange(event, input) && matches(event.message))
      .sort((a, b) => a.timestamp - b.timestamp || a.eventId.localeCompare(b.eventId));
    const limit = clampLimit(input['limit'], 10_000);
    const start = typeof input['nextToken'] === 'string' ? parseToken(input['nextToken'], events.length) : 0;
    const end = Math.min(events.length, start + limit);
    return {
      events: events.slice(start, end),
      searchedLogStreams: searched.map((logStreamName) => ({ logStreamName, searchedCompletely: true })),
      ...(end < events.length ? { nextToken: `f/${end}` } : {}),
    };
  }
}

function groupName(input: Record<string, unknown>): string {
  const name = input['logGroupName'] ?? input['logGroupIdentifier'];
  if (typeof name !== 'string' || !name) throw new AwsError('InvalidParameterException', 'logGroupName is required');
  // logGroupIdentifier may be an ARN: arn:aws:logs:region:account:log-group:NAME
  return name.replace(/^arn:[^:]+:logs:[^:]*:[^:]*:log-group:/, '').replace(/:\*$/, '');
}

function inRange(event: StoredLogEvent, input: Record<string, unknown>): boolean {
  const startTime = typeof input['startTime'] === 'number' ? input['startTime'] : undefined;
  const endTime = typeof input['endTime'] === 'number' ? input['endTime'] : undefined;
  return (startTime === undefined || event.timestamp >= startTime) && (endTime === undefined || event.timestamp < endTime);
}

function clampLimit(value: unknown, max: number): number {
  if (value === undefined) return max;
  if (typeof value !== 'number' || value < 1 || value > max) throw new AwsError('InvalidParameterException', `limit must be between 1 and ${max}`);
  return value;
}

function parseToken(token: string, length: number): number {
  const match = /^[fb]\/(\d+)$/.exec(token);
  if (!match) throw new AwsError('InvalidParameterException', 'The specified nextToken is invalid.');
  return Math.min(length, Number(match[1]));
}

/** Filter patterns: terms that must all appear; "quoted phrases" kept whole. Empty matches all. */
function matcher(pattern: unknown): (message: string) => boolean {
  if (typeof pattern !== 'string' || !pattern.trim()) return () => true;
  const terms = [...pattern.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '').filter(Boolean);
  return (message) => terms.every((term) => message.includes(term));
}
