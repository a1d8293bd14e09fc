/**
 * A small Prometheus registry (text exposition format 0.0.4): counters and a histogram
 * updated as requests finish, gauges read from their owners at scrape time.
 */
export interface MetricsSources {
  readonly queued: () => number;
  readonly running: () => number;
  readonly browserReady: () => boolean;
  readonly cdpSessions: () => number;
}

const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
}

export class Metrics {
  readonly #requests = new Map<string, number>();
  readonly #durations = new Map<string, Histogram>();
  readonly #restarts = new Map<string, number>();
  #rejected = 0;

  /** Counts a finished HTTP request and observes its latency. */
  observeRequest(route: string, status: number, seconds: number): void {
    const key = labels({ route, status: String(status) });
    this.#requests.set(key, (this.#requests.get(key) ?? 0) + 1);
    const routeKey = labels({ route });
    let histogram = this.#durations.get(routeKey);
    if (!histogram) {
      histogram = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.#durations.set(routeKey, histogram);
    }
    BUCKETS.forEach((bound, index) => {
      if (seconds <= bound) histogram.counts[index] = (histogram.counts[index] ?? 0) + 1;
    });
    histogram.sum += seconds;
    histogram.count += 1;
  }

  /** Counts a request refused because the queue was full. */
  observeRejected(): void {
    this.#rejected += 1;
  }

  observeBrowserRestart(reason: string): void {
    const key = labels({ reason });
    this.#restarts.set(key, (this.#restarts.get(key) ?? 0) + 1);
  }

  /** The exposition text. */
  render(sources: MetricsSources): string {
    const lines: string[] = [];
    const family = (name: string, type: string, help: string): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };
    family('browse_requests_total', 'counter', 'HTTP requests by route and status.');
    for (const [key, value] of this.#requests) lines.push(`browse_requests_total${key} ${value}`);
    family('browse_request_duration_seconds', 'histogram', 'HTTP request latency, queue wait included.');
    for (const [key, histogram] of this.#durations) {
      const inner = key.slice(1, -1);
      BUCKETS.forEach((bound, index) => {
        lines.push(`browse_request_duration_seconds_bucket{${inner},le="${bound}"} ${histogram.counts[index] ?? 0}`);
      });
      lines.push(`browse_request_duration_seconds_bucket{${inner},le="+Inf"} ${histogram.count}`);
      lines.push(`browse_request_duration_seconds_sum${key} ${histogram.sum}`);
      lines.push(`browse_request_duration_seconds_count${key} ${histogram.count}`);
    }
    family('browse_queue_rejected_total', 'counter', 'Requests refused with 429 because the queue was full.');
    lines.push(`browse_queue_rejected_total ${this.#rejected}`);
    family('browse_queue_length', 'gauge', 'Jobs waiting for a slot.');
    lines.push(`browse_queue_length ${sources.queued()}`);
    family('browse_running_jobs', 'gauge', 'Jobs holding a slot (renders and CDP sessions).');
    lines.push(`browse_running_jobs ${sources.running()}`);
    family('browse_cdp_sessions', 'gauge', 'Open CDP WebSocket sessions.');
    lines.push(`browse_cdp_sessions ${sources.cdpSessions()}`);
    family('browse_browser_ready', 'gauge', '1 when the warm browser is connected.');
    lines.push(`browse_browser_ready ${sources.browserReady() ? 1 : 0}`);
    family('browse_browser_restarts_total', 'counter', 'Warm browser replacements by reason (jobs, crash).');
    for (const reason of ['jobs', 'crash']) {
      const key = labels({ reason });
      lines.push(`browse_browser_restarts_total${key} ${this.#restarts.get(key) ?? 0}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

function labels(values: Record<string, string>): string {
  const parts = Object.entries(values).map(([name, value]) => `${name}="${value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`);
  return `{${parts.join(',')}}`;
}
