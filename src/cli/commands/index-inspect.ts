import type { Command } from 'commander';
import { inspectImage, type InspectResult } from '../../registry-verbs/inspect-index.js';
import { formatPlatform } from '../../oci/platform.js';
import { formatTable } from '../../format.js';
import { parseReference } from '../../oci/reference.js';
import { addRegistryFlags, indexCommand, registryAccessFromFlags, type RegistryFlags } from './registry-flags.js';

function printInspect(result: InspectResult): void {
  const rows = result.manifests.map((m) => [m.platform ? (m.attestation ? `attestation (${formatPlatform(m.platform)})` : formatPlatform(m.platform)) : '-', m.digest, String(m.size), m.imageSize === undefined ? '-' : String(m.imageSize)]);
  const header = ['PLATFORM', 'DIGEST', 'SIZE', 'IMAGE SIZE'];
  process.stdout.write(`${result.reference}@${result.digest}\n${result.mediaType} (${result.size} bytes)\n${formatTable(header, rows)}\n`);
}

export function register(program: Command): void {
  const command = indexCommand(program)
    .command('inspect')
    .description('show the platforms, digests and sizes behind a reference')
    .argument('<reference>', 'image or index reference')
    .option('--json', 'print the result as JSON')
    .option('--raw', 'print the manifest bytes exactly as the registry serves them');
  addRegistryFlags(command).action(async (reference: string, flags: RegistryFlags & { json?: boolean; raw?: boolean }) => {
    const access = registryAccessFromFlags(flags, [parseReference(reference).registry]);
    const result = await inspectImage(reference, access);
    if (flags.raw) process.stdout.write(result.raw);
    else if (flags.json) {
      const { raw: _raw, ...rest } = result;
      process.stdout.write(`${JSON.stringify(rest, null, 2)}\n`);
    } else printInspect(result);
  });
}
