import { z } from 'zod';
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

export const PlatformSchema = z.looseObject({
  architecture: z.string().min(1),
  os: z.string().min(1),
  variant: z.string().optional(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
});

export const DescriptorSchema = z.looseObject({
  mediaType: z.string().min(1),
  digest: z.string().regex(/^sha256:[a-f0-9]{64}$/, 'expected sha256:<64 hex>').transform((d) => d as Digest),
  size: z.number().int().nonnegative(),
  platform: PlatformSchema.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  urls: z.array(z.string()).optional(),
  artifactType: z.string().optional(),
});

/** The annotation BuildKit puts on attestation manifests inside an index. */
export const REFERENCE_TYPE_ANNOTATION = 'vnd.docker.reference.type';

/** Attestation (provenance/SBOM) entries: `unknown/unknown` or annotated as such by BuildKit. */
export function isAttestationDescriptor(descriptor: Descriptor): boolean {
  if (descriptor.annotations?.[REFERENCE_TYPE_ANNOTATION] === 'attestation-manifest') return true;
  return descriptor.platform?.os === 'unknown' && descriptor.platform.architecture === 'unknown';
}
