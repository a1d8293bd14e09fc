import { ConfigError } from '../errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration as people write it in flags and files: `90s`, `30m`, `1h30m`, `500ms`,
 * or a bare number of seconds. Returns milliseconds.
 */
export function parseDuration(value: string | number, field = 'duration'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`${field}: must be a positive number of seconds, got ${value}`);
    return Math.round(value * 1_000);
  }
  const text = value.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(text)) return parseDuration(Number(text), field);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new ConfigError(`${field}: "${value}" is not a duration (use e.g. 90s, 30m, 1h30m)`);
  }
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * (UNITS[p[2] ?? 's'] ?? 1_000), 0);
  if (ms <= 0) throw new ConfigError(`${field}: must be longer than zero`);
  return Math.round(ms);
}

/** `95000` → `1m35s`: the inverse of parseDuration for printing the effective config. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.round((ms % 60_000) / 1_000);
  return [h ? `${h}h` : '', m ? `${m}m` : '', s ? `${s}s` : ''].join('') || '0s';
}
