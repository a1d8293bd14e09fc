import type { Arch } from '../arch.js';
import { MultiarchError, type ErrorCode } from '../errors.js';
import { formatBytes, formatDuration, formatTable } from '../format.js';

export type StepName = 'base' | 'build' | 'smoke-test' | 'push' | 'verify' | 'attest';
export type ArchStatus = 'published' | 'built' | 'tested' | 'failed' | 'cancelled' | 'pending';

export interface ArchReport {
  readonly arch: Arch;
  readonly builder: string;
  status: ArchStatus;
  /** Per-arch tag reference (moved only when the run publishes). */
  target: string;
  /** Name the image got on the building engine (Docker builders). */
  localTag?: string;
  /** Run-scoped tag the arch was pushed under. */
  runTarget?: string;
  /** Digest of the arch's (plain image) manifest. */
  digest?: string;
  /** Config digest of the image that was smoke-tested (the local image ID). */
  imageId?: string;
  /** The commit the image was built from, when known (CodeBuild's resolved source version, else the local checkout). */
  commit?: string;
  /** Package counts of the SBOM attested to this arch, when the run signs. */
  sbom?: { debian: number; npm: number };
  /** What the smoke test did: `in-build` when the builder (CodeBuild) ran it before pushing. */
  smokeTest?: 'passed' | 'failed' | 'skipped' | 'in-build';
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
  readonly runId?: string;
  readonly target: string;
  status: 'published' | 'built' | 'failed' | 'cancelled';
  /** Digest the multi-arch tag pointed at before the run (undefined: did not exist). */
  previousDigest?: string;
  /** The new index digest, when published. */
  digest?: string;
  readonly arches: ArchReport[];
  indexMs?: number;
  /** Tags this run moved (per-arch, then the multi-arch tag), when published. */
  movedTags?: string[];
  /** Run-scoped tags left in the registry (it cannot delete a tag alone); a lifecycle rule expires them. */
  runTagsLeft?: string[];
  durationMs: number;
  error?: { code: ErrorCode; message: string };
}

export function errorSummary(error: unknown): { code: ErrorCode; message: string } {
  return error instanceof MultiarchError ? { code: error.code, message: error.message } : { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

const seconds = (ms: number | undefined): string => (ms === undefined ? '-' : formatDuration(ms));
const bytes = (n: number | undefined): string => (n === undefined ? '-' : formatBytes(n));

/** The human summary printed after a run (the `--json` form is the report itself). */
export function formatReport(report: PipelineReport): string {
  const header = ['ARCH', 'BUILDER', 'STATUS', 'DIGEST', 'SIZE', 'BUILD', 'SMOKE', 'PUSH', 'TOTAL'];
  const rows = report.arches.map((a) => [
    a.arch, a.builder, a.status, a.digest ? a.digest.slice(0, 19) : '-', bytes(a.sizeBytes),
    seconds(a.steps.build), seconds(a.steps['smoke-test']), seconds(a.steps.push), seconds(a.durationMs),
  ]);
  const out = [formatTable(header, rows), ''];
  if (report.status === 'built') {
    out.push(`built ${report.arches.length} image(s) in ${seconds(report.durationMs)}; nothing pushed`);
  } else if (report.status === 'published') {
    out.push(`published ${report.target}@${report.digest ?? '?'} in ${seconds(report.durationMs)} (index ${seconds(report.indexMs)})`);
  } else {
    out.push(`${report.status}: ${report.target} not moved${report.previousDigest ? ` (still ${report.previousDigest})` : ''}; ${report.error?.message ?? ''}`);
    for (const a of report.arches) if (a.logFile) out.push(`  ${a.arch} log: ${a.logFile}`);
  }
  return out.join('\n');
}
