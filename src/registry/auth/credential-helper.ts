import { AuthError } from '../errors.js';
import type { RegistryCredential } from './credentials.js';

/** Runs programs for `docker-credential-<name> get`; replaceable in tests. */
export type HelperRunner = (program: string, serverUrl: string, signal?: AbortSignal) => Promise<{ exitCode: number; stdout: string; stderr: string }>;

export const execaHelperRunner: HelperRunner = async (program, serverUrl, signal) => {
  // Loaded on use: most runs have no helper, and execa is a large share of start-up.
  const { execa } = await import('execa');
  const result = await execa(program, ['get'], { input: serverUrl, reject: false, timeout: 30_000, cancelSignal: signal });
  if (result.failed && result.exitCode === undefined) {
    throw new AuthError(`credential helper ${program} could not be run: ${result.shortMessage}`, { cause: result });
  }
  return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
};

/**
 * Asks a Docker credential helper for a server's credentials (the docker-credential-helpers
 * protocol: server URL on stdin, `{ServerURL, Username, Secret}` on stdout). A Username of
 * `<token>` means Secret is an identity token. "credentials not found" is not an error.
 */
export async function getFromCredentialHelper(name: string, serverUrl: string, runner: HelperRunner = execaHelperRunner, signal?: AbortSignal): Promise<RegistryCredential | undefined> {
  const program = `docker-credential-${name}`;
  const { exitCode, stdout, stderr } = await runner(program, serverUrl, signal);
  if (exitCode !== 0) {
    if (/credentials not found/i.test(`${stdout} ${stderr}`)) return undefined;
    throw new AuthError(`credential helper ${program} failed for ${serverUrl}: ${(stderr || stdout).trim().split('\n')[0] ?? `exit ${exitCode}`}`);
  }
  let parsed: { Username?: unknown; Secret?: unknown };
  try {
    parsed = JSON.parse(stdout) as typeof parsed;
  } catch (error) {
    throw new AuthError(`credential helper ${program} printed invalid JSON for ${serverUrl}`, { cause: error });
  }
  const username = typeof parsed.Username === 'string' ? parsed.Username : '';
  const secret = typeof parsed.Secret === 'string' ? parsed.Secret : '';
  if (!secret) return undefined;
  const source = `credential helper ${program}`;
  return username === '<token>' ? { identityToken: secret, source } : { username, password: secret, source };
}
