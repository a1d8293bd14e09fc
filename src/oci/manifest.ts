import * as z from './schema-kit.js';
import { BadInputError } from '../errors.js';
import { DescriptorSchema, PlatformSchema, type Descriptor } from './descriptor.js';
import { MediaTypes, bareMediaType, isImageManifestMediaType, isIndexMediaType, isSchema1MediaType } from './media-types.js';
import type { Platform } from './platform.js';

/** OCI image manifest / Docker schema 2 manifest (same shape, different media types). */
export interface ImageManifest {
  readonly schemaVersion: 2;
  readonly mediaType: string;
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** OCI image index / Docker manifest list. */
export interface ImageIndex {
  readonly schemaVersion: 2;
  readonly mediaType: string;
  readonly artifactType?: string;
  readonly manifests: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** The parts of an image config this project reads (platform, rootfs). */
export interface ImageConfig extends Platform {
  readonly rootfs?: { readonly type: string; readonly diff_ids: readonly string[] };
  readonly config?: Readonly<Record<string, unknown>>;
}

const ImageManifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.optional(z.string()),
  artifactType: z.optional(z.string()),
  config: DescriptorSchema,
  layers: z.array(DescriptorSchema),
  subject: z.optional(DescriptorSchema),
  annotations: z.optional(z.record(z.string(), z.string())),
});

const ImageIndexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.optional(z.string()),
  artifactType: z.optional(z.string()),
  manifests: z.array(DescriptorSchema),
  subject: z.optional(DescriptorSchema),
  annotations: z.optional(z.record(z.string(), z.string())),
});

const ImageConfigSchema = z.extend(PlatformSchema, {
  rootfs: z.optional(z.looseObject({ type: z.string(), diff_ids: z.array(z.string()) })),
  config: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
});

export type ParsedManifest =
  | { readonly kind: 'index'; readonly mediaType: string; readonly index: ImageIndex }
  | { readonly kind: 'manifest'; readonly mediaType: string; readonly manifest: ImageManifest };

function parseJson(bytes: Uint8Array | string, what: string): unknown {
  try {
    return JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new BadInputError(`${what} is not valid JSON`, { cause: error });
  }
}

function describeIssues(error: { readonly issues: ReadonlyArray<{ readonly path: readonly PropertyKey[]; readonly message: string }> }): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
}

/**
 * Parses untrusted manifest bytes. The media type comes from the body's `mediaType`, else
 * from the response Content-Type, else from the shape (an OCI manifest may omit the field).
 */
export function parseManifest(bytes: Uint8Array | string, contentType?: string, what = 'manifest'): ParsedManifest {
  const json = parseJson(bytes, what);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new BadInputError(`${what} is not a JSON object`);
  const record = json as Record<string, unknown>;
  const declared = typeof record['mediaType'] === 'string' ? record['mediaType'] : undefined;
  const header = bareMediaType(contentType);
  let mediaType = declared ?? (header && header !== 'application/json' && header !== 'application/octet-stream' ? header : undefined);
  if (isSchema1MediaType(mediaType) || record['schemaVersion'] === 1) {
    throw new BadInputError(`${what} is a Docker schema 1 manifest, which is not supported: re-push the image with a current Docker`);
  }
  mediaType ??= Array.isArray(record['manifests']) ? MediaTypes.ociIndex : MediaTypes.ociManifest;
  if (isIndexMediaType(mediaType)) {
    const parsed = ImageIndexSchema.safeParse(json);
    if (!parsed.success) throw new BadInputError(`${what} is not a valid image index (${describeIssues(parsed.error)})`);
    return { kind: 'index', mediaType, index: { ...parsed.data, mediaType } as ImageIndex };
  }
  if (isImageManifestMediaType(mediaType)) {
    const parsed = ImageManifestSchema.safeParse(json);
    if (!parsed.success) throw new BadInputError(`${what} is not a valid image manifest (${describeIssues(parsed.error)})`);
    return { kind: 'manifest', mediaType, manifest: { ...parsed.data, mediaType } as ImageManifest };
  }
  throw new BadInputError(`${what} has unsupported media type "${mediaType}"`);
}

/** Parses an image config blob; `os` and `architecture` are required by the image-spec. */
export function parseImageConfig(bytes: Uint8Array | string, what = 'image config'): ImageConfig {
  const parsed = ImageConfigSchema.safeParse(parseJson(bytes, what));
  if (!parsed.success) throw new BadInputError(`${what} is not a valid image config (${describeIssues(parsed.error)})`);
  const { config, ...rest } = parsed.data;
  return (config ? { ...rest, config } : rest) as ImageConfig;
}

/** The platform an image config declares (exactly as written; normalise before comparing). */
export function configPlatform(config: ImageConfig): Platform {
  const platform: { -readonly [K in keyof Platform]: Platform[K] } = { architecture: config.architecture, os: config.os };
  if (config.variant) platform.variant = config.variant;
  if (config['os.version']) platform['os.version'] = config['os.version'];
  if (config['os.features']?.length) platform['os.features'] = config['os.features'];
  return platform;
}

/** Compressed size of an image as pulled: config plus layers (the manifest itself excluded). */
export function compressedImageSize(manifest: ImageManifest): number {
  return manifest.config.size + manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
}

/** Every blob a manifest references (config first), for mounting or existence checks. */
export function manifestBlobs(manifest: ImageManifest): Descriptor[] {
  return [manifest.config, ...manifest.layers];
}
