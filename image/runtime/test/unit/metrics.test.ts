import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/server/metrics.js';

describe('Metrics', () => {
  it('renders Prometheus text with counters, histogram and gauges', () => {
    const metrics = new Metrics();
    metrics.observeRequest('/screenshot', 200, 0.3);
    metrics.observeRequest('/screenshot', 200, 3);
    metrics.observeRequest('/screenshot', 429, 0.001);
    metrics.observeRejected();
    metrics.observeBrowserRestart('crash');
    const text = metrics.render({ queued: () => 2, running: () => 4, browserReady: () => true, cdpSessions: () => 1 });
    expect(text).toContain('browse_requests_total{route="/screenshot",status="200"} 2');
    expect(text).toContain('browse_requests_total{route="/screenshot",status="429"} 1');
    expect(text).toContain('browse_request_duration_seconds_bucket{route="/screenshot",le="0.05"} 1');
    expect(text).toContain('browse_request_duration_seconds_bucket{route="/screenshot",le="0.5"} 2');
    expect(text).toContain('browse_request_duration_seconds_bucket{route="/screenshot",le="+Inf"} 3');
    expect(text).toContain('browse_request_duration_seconds_count{route="/screenshot"} 3');
    expect(text).toContain('browse_queue_length 2');
    expect(text).toContain('browse_running_jobs 4');
    expect(text).toContain('browse_browser_ready 1');
    expect(text).toContain('browse_browser_restarts_total{reason="crash"} 1');
    expect(text).toContain('browse_browser_restarts_total{reason="jobs"} 0');
    expect(text).toContain('browse_queue_rejected_total 1');
    expect(text.endsWith('\n')).toBe(true);
  });
});
