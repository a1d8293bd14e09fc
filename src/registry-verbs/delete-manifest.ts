import { BadInputError } from '../errors.js';
import { parseReference } from '../oci/reference.js';
import type { RegistrySession } from '../registry/session.js';

/**
 * Deletes what `reference` names, where the registry allows it:
 * - `registry/repo@sha256:…` — the manifest, and with it every tag that points at it
 *   (Distribution needs `storage.delete.enabled`);
 * - `registry/repo:tag` — that tag only (OCI distribution 1.1; Distribution 3). Registries
 *   that cannot delete a tag alone (Distribution 2.x, ECR's registry API) make this an
 *   UnsupportedOperationError rather than a silent delete by digest, which would also
 *   remove any other tag on the manifest and break indexes listing it.
 * A reference with neither, or both, is bad input: nothing defaults to `latest` here.
 * Errors are the client's own (they name the reference), so callers can tell
 * UnsupportedOperationError and NotFoundError apart.
 */
export async function deleteManifest(session: RegistrySession, reference: string, options: { readonly signal?: AbortSignal } = {}): Promise<void> {
  const ref = parseReference(reference, { defaultTag: null });
  if (ref.digest === undefined && ref.tag === undefined) throw new BadInputError(`"${reference}" names no tag or digest to delete`);
  if (ref.digest !== undefined && ref.tag !== undefined) throw new BadInputError(`"${reference}" names a tag and a digest: deleting by digest would remove every tag on it, so give one`);
  await session.client(ref.registry).deleteManifest(ref.repository, ref.digest ?? (ref.tag as string), { signal: options.signal });
}
