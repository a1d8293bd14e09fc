/**
 * The host's extra CA configuration for Node, passed into an emulated build's otherwise
 * bare environment. A real CodeBuild host trusts the public CAs; on a machine whose TLS is
 * intercepted, the same trust only exists through NODE_EXTRA_CA_CERTS. Without it, each
 * `npm ci` in a build waits out npm's fetch retries and falls back to its stale cache
 * (measured: 148 s instead of 10 s per build).
 */
export function hostTrustEnv(): Record<string, string> {
  const extra = process.env['NODE_EXTRA_CA_CERTS'];
  return extra ? { NODE_EXTRA_CA_CERTS: extra } : {};
}
