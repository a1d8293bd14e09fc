import { MultiarchError, wrapError } from '../errors.js';
import { isAttestationDescriptor, type Descriptor } from '../oci/descriptor.js';
import { shortDigest } from '../oci/digest.js';
import { parseManifest, type ImageManifest } from '../oci/manifest.js';
import { formatPlatform, normalizePlatform, platformsEqual } from '../oci/platform.js';
import { formatReference, manifestReference, parseReference } from '../oci/reference.js';
import type { RegistryClient } from '../registry/client.js';
import { openClient, type RegistryAccessOptions } from './registry-access.js';
import { readConfigPlatform } from './resolve-source.js';

export interface VerifyCheck {
  /** What was checked: `linux/arm64/v8 sha256:…`, or the reference for a plain manifest. */
  readonly subject: string;
  /** `manifest`, `platform`, `config`, `layer sha256:…`. */
  readonly check: string;
  readonly ok: boolean;
  readonly detail?: string;
}

export interface VerifyReport {
  readonly reference: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly kind: 'index' | 'manifest';
  readonly ok: boolean;
  readonly checks: readonly VerifyCheck[];
}

/** Some check of `verifyImage` failed; `report` lists every check and its outcome. */
export class VerifyFailedError extends MultiarchError {
  readonly report: VerifyReport;

  constructor(message: string, report: VerifyReport) {
    super('VERIFY_FAILED', message);
    this.report = report;
  }
}

export interface VerifyImageOptions extends RegistryAccessOptions {
  readonly reference: string;
}

async function checkBlobs(client: RegistryClient, repository: string, subject: string, manifest: ImageManifest, checks: VerifyCheck[], signal?: AbortSignal): Promise<void> {
  const blobs: Array<[string, Descriptor]> = [['config', manifest.config], ...manifest.layers.map((layer): [string, Descriptor] => [`layer ${shortDigest(layer.digest)}`, layer])];
  await Promise.all(
    blobs.map(async ([check, blob]) => {
      try {
        const found = await client.headBlob(repository, blob.digest, { signal });
        if (!found) checks.push({ subject, check, ok: false, detail: `blob ${blob.digest} is missing` });
        else if (Number.isFinite(found.size) && found.size !== blob.size) checks.push({ subject, check, ok: false, detail: `blob ${blob.digest} is ${found.size} bytes, manifest says ${blob.size}` });
        else checks.push({ subject, check, ok: true });
      } catch (error) {
        checks.push({ subject, check, ok: false, detail: (error as Error).message });
      }
    }),
  );
}

async function checkEntry(client: RegistryClient, repository: string, entry: Descriptor, checks: VerifyCheck[], signal?: AbortSignal): Promise<void> {
  const attestation = isAttestationDescriptor(entry);
  const label = entry.platform ? (attestation ? 'attestation' : formatPlatform(normalizePlatform(entry.platform))) : 'no platform';
  const subject = `${label} ${shortDigest(entry.digest)}`;
  let manifest: ImageManifest;
  try {
    const fetched = await client.getManifest(repository, entry.digest, { signal });
    if (fetched.size !== entry.size) throw new Error(`manifest is ${fetched.size} bytes, index says ${entry.size}`);
    const parsed = parseManifest(fetched.bytes, fetched.mediaType);
    if (parsed.kind !== 'manifest') throw new Error('entry is a nested index');
    manifest = parsed.manifest;
    checks.push({ subject, check: 'manifest', ok: true });
  } catch (error) {
    checks.push({ subject, check: 'manifest', ok: false, detail: (error as Error).message });
    return;
  }
  if (!attestation) {
    try {
      const platform = await readConfigPlatform(client, repository, manifest, subject, signal);
      if (!entry.platform) checks.push({ subject, check: 'platform', ok: false, detail: `index entry has no platform (config says ${formatPlatform(platform)})` });
      else if (!platformsEqual(entry.platform, platform)) checks.push({ subject, check: 'platform', ok: false, detail: `index says ${formatPlatform(normalizePlatform(entry.platform))}, config says ${formatPlatform(platform)}` });
      else checks.push({ subject, check: 'platform', ok: true });
    } catch (error) {
      checks.push({ subject, check: 'platform', ok: false, detail: (error as Error).message });
    }
  }
  await checkBlobs(client, repository, subject, manifest, checks, signal);
}

/**
 * `multiarch verify`: for an index, every entry resolves, its config's platform matches the
 * entry, and every config and layer blob exists; for a plain image manifest, its blobs
 * exist. Returns the report when all pass; throws VerifyFailedError (with the report)
 * naming the failures otherwise.
 */
export async function verifyImage(options: VerifyImageOptions): Promise<VerifyReport> {
  const ref = parseReference(options.reference);
  const { client, release } = openClient(ref.registry, options);
  const signal = options.signal;
  try {
    const fetched = await client.getManifest(ref.repository, manifestReference(ref), { signal }).catch((error: unknown) => {
      throw wrapError(`verifying ${options.reference}`, error);
    });
    const parsed = parseManifest(fetched.bytes, fetched.mediaType, `manifest ${options.reference}`);
    const checks: VerifyCheck[] = [];
    if (parsed.kind === 'index') {
      if (parsed.index.manifests.length === 0) checks.push({ subject: formatReference(ref), check: 'manifests', ok: false, detail: 'index lists no manifests' });
      await Promise.all(parsed.index.manifests.map((entry) => checkEntry(client, ref.repository, entry, checks, signal)));
    } else {
      await checkBlobs(client, ref.repository, formatReference(ref), parsed.manifest, checks, signal);
    }
    const order = (c: VerifyCheck): string => `${c.subject}\u0000${c.check === 'manifest' ? 0 : c.check === 'platform' ? 1 : c.check === 'config' ? 2 : 3}${c.check}`;
    checks.sort((a, b) => order(a).localeCompare(order(b)));
    const failed = checks.filter((c) => !c.ok);
    const report: VerifyReport = { reference: formatReference(ref), digest: fetched.digest, mediaType: fetched.mediaType, kind: parsed.kind, ok: failed.length === 0, checks };
    if (failed.length > 0) {
      const first = failed.slice(0, 3).map((c) => `${c.subject}: ${c.check}: ${c.detail ?? 'failed'}`).join('; ');
      throw new VerifyFailedError(`${formatReference(ref)} failed ${failed.length} of ${checks.length} checks: ${first}${failed.length > 3 ? '; …' : ''}`, report);
    }
    return report;
  } finally {
    await release();
  }
}
