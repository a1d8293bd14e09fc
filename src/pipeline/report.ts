import type { Arch } from '../arch.js';
import { MultiarchError, type ErrorCode } from '../errors.js';

export type StepName = 'build' | 'smoke-test' | 'push' | 'verify';
export type ArchStatus = 'published' | 'failed' | 'cancelled' | 'pending';

export interface ArchReport {
  readonly arch: Arch;
  readonly builder: string;
  status: ArchStatus;
  /** Per-arch tag reference and the digest of its (plain image) manifest. */
  target: string;
  digest?: string;
  /** Compressed size in the registry (config + layers), as clients download it. */
  sizeBytes?: number;
  /** Uncompressed size on the building engine, when the image is on one. */
  uncompressedBytes?: number;
  /** Manifest size in the index, when published. */
  manifestSize?: number;
  /** Step → duration; `in-build` steps (CodeBuild runs them) are absent. */
  readonly steps: Partial<Record<StepName, number>>;
  durationMs: number;
  error?: { code: ErrorCode; message: string };
  /** Kept only when the arch failed. */
  logFile?: string;
}

export interface PipelineReport {
  readonly target: string;
  status: 'published' | 'failed' | 'cancelled';
  /** Digest the multi-arch tag pointed at before the run (undefined: did not exist). */
  previousDigest?: string;
  /** The new index digest, when published. */
  digest?: string;
  readonly arches: ArchReport[];
  indexMs?: number;
  durationMs: number;
  error?: { code: ErrorCode; message: string };
}

export function errorSummary(error: unknown): { code: ErrorCode; message: string } {
  return error instanceof MultiarchError ? { code: error.code, message: error.message } : { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`;
}

function bytes(n: number | undefined): string {
  if (n === undefined) return '-';
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`;
}

/** The human summary printed after a run (the `--json` form is the report itself). */
export function formatReport(report: PipelineReport): string {
  const header = ['ARCH', 'BUILDER', 'STATUS', 'DIGEST', 'SIZE', 'BUILD', 'SMOKE', 'PUSH', 'TOTAL'];
  const rows = report.arches.map((a) => [
    a.arch, a.builder, a.status, a.digest ? a.digest.slice(0, 19) : '-', bytes(a.sizeBytes),
    seconds(a.steps.build), seconds(a.steps['smoke-test']), seconds(a.steps.push), seconds(a.durationMs),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const out = [line(header), ...rows.map(line), ''];
  if (report.status === 'published') {
    out.push(`published ${report.target}@${report.digest ?? '?'} in ${seconds(report.durationMs)} (index ${seconds(report.indexMs)})`);
  } else {
    out.push(`${report.status}: ${report.target} not moved${report.previousDigest ? ` (still ${report.previousDigest})` : ''}; ${report.error?.message ?? ''}`);
    for (const a of report.arches) if (a.logFile) out.push(`  ${a.arch} log: ${a.logFile}`);
  }
  return out.join('\n');
}
