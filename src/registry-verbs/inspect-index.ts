import type { Descriptor } from '../oci/descriptor.js';
import { isAttestationDescriptor } from '../oci/descriptor.js';
import { compressedImageSize, parseManifest } from '../oci/manifest.js';
import { normalizePlatform, type Platform } from '../oci/platform.js';
import { formatReference, manifestReference, parseReference } from '../oci/reference.js';
import { openClient, type RegistryAccessOptions } from './registry-access.js';
import { readConfigPlatform } from './resolve-source.js';

export interface InspectedEntry {
  readonly platform?: Platform;
  readonly digest: string;
  /** Size of the platform manifest. */
  readonly size: number;
  readonly mediaType: string;
  readonly attestation: boolean;
  /** Compressed image size (config + layers), when the manifest could be read. */
  readonly imageSize?: number;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface InspectResult {
  readonly reference: string;
  readonly kind: 'index' | 'manifest';
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
  /** Exact bytes served (what `--raw` prints). */
  readonly raw: Buffer;
  readonly annotations?: Readonly<Record<string, string>>;
  /** Index entries; for a plain manifest, one entry describing itself. */
  readonly manifests: readonly InspectedEntry[];
}

/** `multiarch index inspect`: what a reference is, and for an index, each platform's image. */
export async function inspectImage(reference: string, options: RegistryAccessOptions = {}): Promise<InspectResult> {
  const ref = parseReference(reference);
  const { client, release } = openClient(ref.registry, options);
  const signal = options.signal;
  try {
    const fetched = await client.getManifest(ref.repository, manifestReference(ref), { signal });
    const parsed = parseManifest(fetched.bytes, fetched.mediaType, `manifest ${reference}`);
    const base = { reference: formatReference(ref), digest: fetched.digest, size: fetched.size, mediaType: fetched.mediaType, raw: fetched.bytes };
    if (parsed.kind === 'manifest') {
      const platform = await readConfigPlatform(client, ref.repository, parsed.manifest, reference, signal).catch(() => undefined);
      const self: InspectedEntry = { digest: fetched.digest, size: fetched.size, mediaType: fetched.mediaType, attestation: false, imageSize: compressedImageSize(parsed.manifest), ...(platform ? { platform } : {}) };
      return { ...base, kind: 'manifest', ...(parsed.manifest.annotations ? { annotations: parsed.manifest.annotations } : {}), manifests: [self] };
    }
    const manifests = await Promise.all(
      parsed.index.manifests.map(async (entry: Descriptor): Promise<InspectedEntry> => {
        const attestation = isAttestationDescriptor(entry);
        const out = { digest: entry.digest, size: entry.size, mediaType: entry.mediaType, attestation, ...(entry.platform ? { platform: attestation ? entry.platform : normalizePlatform(entry.platform) } : {}), ...(entry.annotations ? { annotations: entry.annotations } : {}) };
        try {
          const child = await client.getManifest(ref.repository, entry.digest, { signal });
          const childParsed = parseManifest(child.bytes, child.mediaType);
          return childParsed.kind === 'manifest' ? { ...out, imageSize: compressedImageSize(childParsed.manifest) } : out;
        } catch {
          return out; // inspect reports what it can; `verify` is the check that fails loudly
        }
      }),
    );
    return { ...base, kind: 'index', ...(parsed.index.annotations ? { annotations: parsed.index.annotations } : {}), manifests };
  } finally {
    await release();
  }
}
