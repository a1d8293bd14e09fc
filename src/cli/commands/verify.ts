import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { ReleaseVerifyReport } from '../../attest/verify-release.js';
import type { VerificationKeySource } from '../../attest/key-source.js';
import { BadInputError } from '../../errors.js';
import { parseReference } from '../../oci/reference.js';
import type { VerifyReport } from '../../registry-verbs/verify-image.js';
import { addRegistryFlags, registryAccessFromFlags, type RegistryFlags } from './registry-flags.js';

interface VerifyFlags extends RegistryFlags {
  readonly json?: boolean;
  readonly key?: string;
  readonly kms?: string;
  readonly kmsEndpoint?: string;
  readonly commit?: string;
}

function structureLines(report: VerifyReport): string {
  const lines = report.checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'}  ${c.subject}  ${c.check}${c.detail ? `: ${c.detail}` : ''}`);
  // a reference given by digest already names it
  const pinned = report.reference.endsWith(`@${report.digest}`) ? report.reference : `${report.reference}@${report.digest}`;
  return `${pinned} (${report.kind})\n${lines.join('\n')}\n`;
}

export function signatureLines(report: ReleaseVerifyReport): string {
  const lines = report.checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'}  ${c.subject}  ${c.check}${c.detail ? `: ${c.detail}` : ''}`);
  const sboms = report.images.filter((i) => i.sbom).map((i) => `${i.platform}: ${i.sbom?.debian ?? 0} Debian + ${i.sbom?.npm ?? 0} npm packages`);
  return `signatures (${report.key}):\n${lines.join('\n')}\n${sboms.length > 0 ? `SBOM ${sboms.join(', ')}\n` : ''}`;
}

/** `--key FILE` or `--kms ARN` (not both), checked before any network call. */
function keyFromFlags(flags: VerifyFlags, kmsKeyUri: (ref: string, endpoint?: string) => string): VerificationKeySource | undefined {
  if (flags.key && flags.kms) throw new BadInputError('give either --key FILE or --kms ARN, not both');
  if (flags.kmsEndpoint && !flags.kms) throw new BadInputError('--kms-endpoint needs --kms');
  if (flags.commit && !flags.key && !flags.kms) throw new BadInputError('--commit needs --key or --kms (it checks the signed provenance)');
  if (flags.commit && !/^[a-f0-9]{40}([a-f0-9]{24})?$/.test(flags.commit)) throw new BadInputError(`invalid --commit "${flags.commit}": expected a full commit SHA`);
  if (flags.key) {
    const path = resolve(flags.key);
    try {
      accessSync(path, constants.R_OK);
    } catch {
      throw new BadInputError(`cannot read public key file ${path}`);
    }
    return { kind: 'file', publicKeyPath: path };
  }
  if (flags.kms) return { kind: 'kms', uri: kmsKeyUri(flags.kms, flags.kmsEndpoint) };
  return undefined;
}

export function register(program: Command): void {
  const command = program
    .command('verify')
    .description('check that every platform of an index (or an image) resolves, matches its config and has all its blobs; with --key or --kms, also its cosign signatures, SBOM and provenance attestations')
    .argument('<reference>', 'image or index reference')
    .option('--key <file>', 'cosign public key (PEM) the release must be signed with')
    .option('--kms <arn>', 'AWS KMS key (ARN, key ID, alias, or awskms:// URI) the release must be signed with')
    .addOption(new Option('--kms-endpoint <host:port>', 'KMS endpoint other than the region\'s (VPC endpoint, emulator)').hideHelp())
    .option('--commit <sha>', 'also require the provenance to name this commit')
    .option('--json', 'print the report as JSON');
  addRegistryFlags(command).action(async (reference: string, flags: VerifyFlags) => {
    const access = registryAccessFromFlags(flags, [parseReference(reference).registry]);
    const { kmsKeyUri } = await import('../../attest/key-source.js');
    const key = keyFromFlags(flags, kmsKeyUri);
    const { VerifyFailedError, verifyImage } = await import('../../registry-verbs/verify-image.js');
    let structure: VerifyReport;
    let structureError: unknown;
    try {
      structure = await verifyImage({ ...access, reference });
    } catch (error) {
      if (!(error instanceof VerifyFailedError)) throw error;
      structure = error.report;
      structureError = error;
    }
    if (!key) {
      if (flags.json) process.stdout.write(`${JSON.stringify(structure, null, 2)}\n`);
      else process.stdout.write(`${structureLines(structure)}${structure.ok ? 'all checks passed' : 'verification failed'}\n`);
      if (structureError) throw structureError;
      return;
    }
    const { ReleaseVerifyFailedError, verifyRelease } = await import('../../attest/verify-release.js');
    let signatures: ReleaseVerifyReport;
    let signatureError: unknown;
    try {
      // by the digest the structure check resolved, so both halves judge the same release
      const pinned = `${reference.replace(/@sha256:[a-f0-9]{64}$/, '')}@${structure.digest}`;
      signatures = await verifyRelease({ ...access, reference: pinned, key, ...(flags.commit ? { expectedCommit: flags.commit } : {}) });
    } catch (error) {
      if (!(error instanceof ReleaseVerifyFailedError)) throw error;
      signatures = error.report;
      signatureError = error;
    }
    const ok = structure.ok && signatures.ok;
    if (flags.json) process.stdout.write(`${JSON.stringify({ reference: structure.reference, digest: structure.digest, ok, structure, signatures }, null, 2)}\n`);
    else process.stdout.write(`${structureLines(structure)}${signatureLines(signatures)}${ok ? 'all checks passed' : 'verification failed'}\n`);
    if (structureError) throw structureError;
    if (signatureError) throw signatureError;
  });
}
