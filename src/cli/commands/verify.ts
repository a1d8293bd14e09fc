import type { Command } from 'commander';
import type { VerifyReport } from '../../registry-verbs/verify-image.js';
import { parseReference } from '../../oci/reference.js';
import { addRegistryFlags, registryAccessFromFlags, type RegistryFlags } from './registry-flags.js';

function printReport(report: VerifyReport): void {
  const lines = report.checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'}  ${c.subject}  ${c.check}${c.detail ? `: ${c.detail}` : ''}`);
  process.stdout.write(`${report.reference}@${report.digest} (${report.kind})\n${lines.join('\n')}\n${report.ok ? 'all checks passed' : 'verification failed'}\n`);
}

export function register(program: Command): void {
  const command = program
    .command('verify')
    .description('check that every platform of an index (or an image) resolves, matches its config and has all its blobs')
    .argument('<reference>', 'image or index reference')
    .option('--json', 'print the report as JSON');
  addRegistryFlags(command).action(async (reference: string, flags: RegistryFlags & { json?: boolean }) => {
    const access = registryAccessFromFlags(flags, [parseReference(reference).registry]);
    const { VerifyFailedError, verifyImage } = await import('../../registry-verbs/verify-image.js');
    try {
      const report = await verifyImage({ ...access, reference });
      if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else printReport(report);
    } catch (error) {
      if (error instanceof VerifyFailedError) {
        if (flags.json) process.stdout.write(`${JSON.stringify(error.report, null, 2)}\n`);
        else printReport(error.report);
      }
      throw error;
    }
  });
}
