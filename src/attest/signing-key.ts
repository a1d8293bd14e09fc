import { chmod, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { runCosignOrThrow, type CosignSettings } from './cosign-runner.js';

export interface EnsureSigningKeyOptions {
  /** Password for a newly generated private key, and of the existing one (default: empty). */
  readonly password?: string;
  readonly cosign?: CosignSettings;
  readonly signal?: AbortSignal;
}

/** A cosign key pair in the state directory. */
export interface SigningKeyPair {
  /** `<state>/signing/cosign.key` (mode 0600, cosign's encrypted format). */
  readonly privateKeyPath: string;
  /** `<state>/signing/cosign.pub` (PEM); what users verify against. */
  readonly publicKeyPath: string;
  readonly password: string;
  /** True when this call generated the pair; false when it was already there. */
  readonly created: boolean;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
}

/**
 * The local signing key pair, generated once with `cosign generate-key-pair` in
 * `<stateDir>/signing/`, reused afterwards. The pair is made in a scratch directory and
 * renamed into place in one step, so a concurrent caller or a crash never leaves half a
 * pair; whoever loses the race uses the winner's pair.
 */
export async function ensureSigningKey(stateDir: string, options: EnsureSigningKeyOptions = {}): Promise<SigningKeyPair> {
  const dir = join(stateDir, 'signing');
  const privateKeyPath = join(dir, 'cosign.key');
  const publicKeyPath = join(dir, 'cosign.pub');
  const password = options.password ?? '';
  const [hasPrivate, hasPublic] = await Promise.all([exists(privateKeyPath), exists(publicKeyPath)]);
  if (hasPrivate && hasPublic) {
    // a copy or restore may have widened it; cosign itself does not check
    await chmod(privateKeyPath, 0o600);
    return { privateKeyPath, publicKeyPath, password, created: false };
  }
  if (hasPrivate !== hasPublic) {
    throw new ConfigError(`${dir} holds only ${hasPrivate ? 'cosign.key' : 'cosign.pub'}: restore the missing half or remove the directory to generate a new pair (signatures made with the old key will no longer verify)`);
  }
  await mkdir(stateDir, { recursive: true });
  const scratch = await mkdtemp(join(stateDir, '.signing-'));
  try {
    await chmod(scratch, 0o700);
    await runCosignOrThrow('generating the signing key pair', ['generate-key-pair', '--output-key-prefix', join(scratch, 'cosign')], { ...options.cosign, password, signal: options.signal });
    await chmod(join(scratch, 'cosign.key'), 0o600);
    await chmod(join(scratch, 'cosign.pub'), 0o644);
    try {
      await rename(scratch, dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // another caller won: its pair is complete (it was renamed in whole)
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      if (!(await exists(privateKeyPath)) || !(await exists(publicKeyPath))) throw new ConfigError(`${dir} exists but holds no complete key pair: remove it to generate one`);
      return { privateKeyPath, publicKeyPath, password, created: false };
    }
    return { privateKeyPath, publicKeyPath, password, created: true };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
