import { isLoopbackRegistry } from '../registry/client.js';
import { SLSA_PROVENANCE_V1 } from './provenance.js';

/** The in-toto predicate type cosign records for `--type cyclonedx`. */
export const CYCLONEDX_BOM = 'https://cyclonedx.org/bom';

/** The two attestations every per-arch image carries: cosign's `--type` and the predicate type it records. */
export const ATTESTATION_KINDS = {
  sbom: { cosignType: 'cyclonedx', predicateType: CYCLONEDX_BOM },
  provenance: { cosignType: 'slsaprovenance1', predicateType: SLSA_PROVENANCE_V1 },
} as const;

export type AttestationKind = keyof typeof ATTESTATION_KINDS;

/**
 * Registry flags for cosign: plain HTTP and unverified TLS only when the caller allowed
 * insecure access or the registry is on loopback (the same rule as our own client).
 */
export function cosignRegistryArgs(registry: string, insecure: boolean | undefined): string[] {
  return insecure === true || isLoopbackRegistry(registry) ? ['--allow-insecure-registry', '--allow-http-registry'] : [];
}
