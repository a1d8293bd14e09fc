import { describe, expect, it } from 'vitest';
import { resolveServiceConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

const TOKEN = 'x'.repeat(24);

describe('resolveServiceConfig', () => {
  it('refuses to start without a token while auth is on', () => {
    expect(() => resolveServiceConfig({})).toThrow(ConfigError);
    expect(() => resolveServiceConfig({})).toThrow(/BROWSE_TOKEN/);
    expect(() => resolveServiceConfig({ BROWSE_TOKEN: 'short' })).toThrow(/at least 16/);
  });

  it('serves without a token only when auth is explicitly off', () => {
    expect(resolveServiceConfig({ BROWSE_AUTH: 'off' }).token).toBeNull();
    expect(resolveServiceConfig({ BROWSE_AUTH: 'off', BROWSE_TOKEN: TOKEN }).token).toBeNull();
  });

  it('has secure, bounded defaults and a frozen result', () => {
    const config = resolveServiceConfig({ BROWSE_TOKEN: TOKEN });
    expect(config).toMatchObject({ port: 3000, host: '0.0.0.0', token: TOKEN, maxConcurrency: 4, queueSize: 16, timeoutMs: 30_000, restartAfter: 100, maxBodyBytes: 1024 * 1024 });
    expect(config.allowList.all).toBe(false);
    expect(config.browser.executablePath).toBe('/usr/bin/chromium');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every setting and names the bad ones', () => {
    const config = resolveServiceConfig({ BROWSE_TOKEN: TOKEN, BROWSE_PORT: '8080', BROWSE_MAX_CONCURRENCY: '2', BROWSE_QUEUE: '0', BROWSE_TIMEOUT_MS: '5000', BROWSE_RESTART_AFTER: '7', BROWSE_ALLOW: '127.0.0.1', PUPPETEER_EXECUTABLE_PATH: '/opt/chrome' });
    expect(config).toMatchObject({ port: 8080, maxConcurrency: 2, queueSize: 0, timeoutMs: 5000, restartAfter: 7 });
    expect(config.allowList.networks).toHaveLength(1);
    expect(config.browser.executablePath).toBe('/opt/chrome');
    expect(() => resolveServiceConfig({ BROWSE_TOKEN: TOKEN, BROWSE_PORT: 'http' })).toThrow(/BROWSE_PORT/);
    expect(() => resolveServiceConfig({ BROWSE_TOKEN: TOKEN, BROWSE_MAX_CONCURRENCY: '0' })).toThrow(/BROWSE_MAX_CONCURRENCY must be at least 1/);
    expect(() => resolveServiceConfig({ BROWSE_TOKEN: TOKEN, BROWSE_AUTH: 'maybe' })).toThrow(/BROWSE_AUTH/);
    expect(() => resolveServiceConfig({ BROWSE_TOKEN: TOKEN, BROWSE_ALLOW: '10.0.0.0/99' })).toThrow(/BROWSE_ALLOW.*10\.0\.0\.0\/99/);
  });
});
