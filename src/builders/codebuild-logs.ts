import { appendFile } from 'node:fs/promises';
import { GetLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { Backoff, callWithThrottleRetry } from './codebuild-backoff.js';

/**
 * Follows one CodeBuild log stream by forward token: each `drain` fetches every event
 * written since the last one, appends it to the log file and hands it to `onLine`.
 */
export class CodeBuildLogFollower {
  private token: string | undefined;

  constructor(
    private readonly client: CloudWatchLogsClient,
    private readonly group: string,
    private readonly stream: string,
    private readonly logFile: string,
    private readonly onLine?: (line: string) => void,
  ) {}

  async drain(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(500, 10_000);
    for (let page = 0; page < 100; page += 1) {
      const out = await callWithThrottleRetry(
        () =>
          this.client.send(
            new GetLogEventsCommand({ logGroupName: this.group, logStreamName: this.stream, startFromHead: true, ...(this.token ? { nextToken: this.token } : {}) }),
            { abortSignal: signal },
          ),
        backoff,
        signal,
      ).catch((error: unknown) => {
        // The stream appears a moment after the build starts; try again on the next poll.
        if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
        throw error;
      });
      if (!out) return;
      const events = out.events ?? [];
      const text = events.map((e) => (e.message ?? '').replace(/\n$/, '')).join('\n');
      if (events.length > 0) {
        await appendFile(this.logFile, `${text}\n`);
        for (const line of text.split('\n')) if (line.trim()) this.onLine?.(line);
      }
      const same = out.nextForwardToken === undefined || out.nextForwardToken === this.token;
      this.token = out.nextForwardToken ?? this.token;
      if (same || events.length === 0) return;
    }
  }
}
