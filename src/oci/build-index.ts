import { BadInputError } from '../errors.js';
import { sha256Digest, type Digest } from './digest.js';
import type { Descriptor } from './descriptor.js';
import { MediaTypes } from './media-types.js';
import { formatPlatform, normalizePlatform, platformKey, type Platform } from './platform.js';

export type IndexFormat = 'oci' | 'docker';

/** One manifest to list in the index, with the platform read from its config. */
export interface IndexEntry {
  readonly mediaType: string;
  readonly digest: Digest;
  readonly size: number;
  readonly platform: Platform;
  readonly annotations?: Readonly<Record<string, string>>;
  /** Where it came from, for error messages only (not written). */
  readonly source: string;
  /** Attestation entries keep their platform as-is and are exempt from the duplicate check. */
  readonly attestation?: boolean;
}

export interface BuildIndexInput {
  readonly format: IndexFormat;
  readonly entries: readonly IndexEntry[];
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface BuiltIndex {
  readonly mediaType: string;
  /** The index as a JSON value (what `bytes` encodes). */
  readonly json: Record<string, unknown>;
  /** Exact bytes to push; the digest is computed over these. */
  readonly bytes: Buffer;
  readonly digest: Digest;
  readonly size: number;
}

function platformJson(platform: Platform): Record<string, unknown> {
  // Fixed key order so the same inputs always give the same digest.
  const p = normalizePlatform(platform);
  const out: Record<string, unknown> = { architecture: p.architecture, os: p.os };
  if (p['os.version']) out['os.version'] = p['os.version'];
  if (p['os.features']?.length) out['os.features'] = p['os.features'];
  if (p.variant) out['variant'] = p.variant;
  return out;
}

function descriptorJson(entry: IndexEntry): Record<string, unknown> {
  const out: Record<string, unknown> = { mediaType: entry.mediaType, digest: entry.digest, size: entry.size };
  out['platform'] = entry.attestation ? { ...entry.platform } : platformJson(entry.platform);
  if (entry.annotations && Object.keys(entry.annotations).length > 0) out['annotations'] = { ...entry.annotations };
  return out;
}

/**
 * Builds the index document (pure). The top-level `mediaType` is always written: it is
 * optional in the OCI spec but ECR rejects an index without it. Two entries for the same
 * platform are an error: a client would pick one of them arbitrarily.
 */
export function buildIndex(input: BuildIndexInput): BuiltIndex {
  if (input.entries.length === 0) throw new BadInputError('an index needs at least one manifest');
  const seen = new Map<string, IndexEntry>();
  for (const entry of input.entries) {
    if (entry.attestation) continue;
    const key = platformKey(entry.platform);
    const previous = seen.get(key);
    if (previous) {
      throw new BadInputError(`duplicate platform ${formatPlatform(normalizePlatform(entry.platform))}: ${previous.source} and ${entry.source}`);
    }
    seen.set(key, entry);
  }
  const annotations = input.annotations ?? {};
  if (input.format === 'docker' && Object.keys(annotations).length > 0) {
    throw new BadInputError('a Docker manifest list has no annotations: use --format oci with --annotation');
  }
  const mediaType = input.format === 'docker' ? MediaTypes.dockerManifestList : MediaTypes.ociIndex;
  const json: Record<string, unknown> = { schemaVersion: 2, mediaType, manifests: input.entries.map(descriptorJson) };
  if (Object.keys(annotations).length > 0) json['annotations'] = { ...annotations };
  const bytes = Buffer.from(JSON.stringify(json), 'utf8');
  return { mediaType, json, bytes, digest: sha256Digest(bytes), size: bytes.length };
}

/** Parses `k=v` index annotations from the CLI. */
export function parseAnnotations(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new BadInputError(`invalid annotation "${pair}": expected key=value`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

export type { Descriptor };
