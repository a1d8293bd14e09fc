/** Plain-text formatting shared by the CLI and the library's human-readable reports. */
/** Plain-text table: columns padded to the widest cell; no colour, so logs stay clean. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** `[12:03:04] amd64  message` — the line format used when stdout is not a TTY. */
export function timestamped(prefix: string, message: string): string {
  const time = new Date().toISOString().slice(11, 19);
  return `[${time}] ${prefix.padEnd(6)} ${message}`;
}

/** The last non-empty line of command output, cut to `max` characters, for one-line errors. */
export function lastLine(text: string, max = 300): string {
  const lines = text.trim().split('\n').filter(Boolean);
  return lines.at(-1)?.slice(0, max) ?? '(no output)';
}
