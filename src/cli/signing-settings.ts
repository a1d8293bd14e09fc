import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { kmsKeyUri } from '../attest/key-source.js';
import type { PipelineConfig } from '../config/schema.js';
import { BadInputError } from '../errors.js';
import type { SigningSettings } from '../pipeline/release-signing.js';

/**
 * The config's `sign` section as the pipeline takes it, checked before any work: an
 * unreadable key file or a malformed KMS key is bad input (exit 2), not a failure after
 * an hour of builds. Undefined: the run does not sign.
 */
export function signingSettings(config: PipelineConfig, env: Readonly<Record<string, string | undefined>>): SigningSettings | undefined {
  const { key, kms, kmsEndpoint, tlogUpload } = config.sign;
  if (key) {
    const path = resolve(key);
    try {
      accessSync(path, constants.R_OK);
    } catch {
      throw new BadInputError(`--sign-key ${key}: cannot read the key file (make one with "cosign generate-key-pair")`);
    }
    return { key: { kind: 'file', privateKeyPath: path, password: env['COSIGN_PASSWORD'] ?? '' }, tlogUpload };
  }
  if (kms) return { key: { kind: 'kms', uri: kmsKeyUri(kms, kmsEndpoint) }, tlogUpload };
  return undefined;
}
