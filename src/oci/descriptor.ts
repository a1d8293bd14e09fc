import * as z from './schema-kit.js';
import type { Digest } from './digest.js';
import type { Platform } from './platform.js';

/** An OCI content descriptor: what a manifest or index says about one referenced blob. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: Digest;
  readonly size: number;
  readonly platform?: Platform;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly urls?: readonly string[];
  readonly artifactType?: string;
}

const nonEmpty = (): z.ZodMiniString<string> => z.string().check(z.minLength(1));

export const PlatformSchema = z.looseObject({
  architecture: nonEmpty(),
  os: nonEmpty(),
  variant: z.optional(z.string()),
  'os.version': z.optional(z.string()),
  'os.features': z.optional(z.array(z.string())),
});

export const DescriptorSchema = z.looseObject({
  mediaType: nonEmpty(),
  digest: z.pipe(
    z.string().check(z.regex(/^sha256:[a-f0-9]{64}$/, 'expected sha256:<64 hex>')),
    z.transform((d) => d as Digest),
  ),
  size: z.int().check(z.nonnegative()),
  platform: z.optional(PlatformSchema),
  annotations: z.optional(z.record(z.string(), z.string())),
  urls: z.optional(z.array(z.string())),
  artifactType: z.optional(z.string()),
});

/** The annotation BuildKit puts on attestation manifests inside an index. */
export const REFERENCE_TYPE_ANNOTATION = 'vnd.docker.reference.type';

/** Attestation (provenance/SBOM) entries: `unknown/unknown` or annotated as such by BuildKit. */
export function isAttestationDescriptor(descriptor: Descriptor): boolean {
  if (descriptor.annotations?.[REFERENCE_TYPE_ANNOTATION] === 'attestation-manifest') return true;
  return descriptor.platform?.os === 'unknown' && descriptor.platform.architecture === 'unknown';
}
