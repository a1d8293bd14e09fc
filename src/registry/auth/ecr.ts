import type { ECRClientConfig } from '@aws-sdk/client-ecr';
import { AuthError } from '../errors.js';
import type { CredentialResolver, RegistryCredential } from './credentials.js';

const ECR_HOST_RE = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.(?:amazonaws\.com(?:\.cn)?|on\.aws|sc2s\.sgov\.gov|c2s\.ic\.gov)$/;

/** `123456789012.dkr.ecr.us-east-1.amazonaws.com` → `{ accountId, region }`. */
export function parseEcrHost(host: string): { accountId: string; region: string } | undefined {
  const match = ECR_HOST_RE.exec(host);
  return match ? { accountId: match[1] ?? '', region: match[2] ?? '' } : undefined;
}

export interface EcrResolverOptions {
  /** Region for hosts that do not name one (hosts given in `hosts`). */
  readonly region?: string;
  /** ECR API endpoint override (a local fake in tests, a VPC endpoint in production). */
  readonly endpoint?: string;
  /** AWS credentials; default: the SDK's provider chain. */
  readonly credentials?: ECRClientConfig['credentials'];
  /** Extra registry hosts to treat as ECR (e.g. a loopback registry standing in for it). */
  readonly hosts?: readonly string[];
  /** Refresh this long before `expiresAt` (default 5 min, at most half the token's life). */
  readonly refreshMarginMs?: number;
  readonly now?: () => number;
}

export interface EcrCredentialResolver extends CredentialResolver {
  /** Whether this resolver answers for the host. */
  handles(registry: string): boolean;
}

/**
 * Registry credentials from ECR's GetAuthorizationToken (AWS SDK v3): the token decodes to
 * `AWS:<password>` and is cached per region until shortly before its `expiresAt`, so one
 * run makes one AWS call however many requests it sends.
 */
export function createEcrCredentialResolver(options: EcrResolverOptions = {}): EcrCredentialResolver {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { credential: RegistryCredential; refreshAt: number }>();
  const inflight = new Map<string, Promise<RegistryCredential>>();
  const extraHosts = new Set(options.hosts ?? []);

  async function fetchToken(region: string, signal?: AbortSignal): Promise<RegistryCredential> {
    // Loaded on first use: the SDK costs more start-up time than the rest of a CLI run.
    const { ECRClient, GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr');
    const client = new ECRClient({ region, ...(options.endpoint ? { endpoint: options.endpoint } : {}), ...(options.credentials ? { credentials: options.credentials } : {}) });
    try {
      const output = await client.send(new GetAuthorizationTokenCommand({}), { abortSignal: signal });
      const data = output.authorizationData?.[0];
      if (!data?.authorizationToken) throw new AuthError(`ECR GetAuthorizationToken in ${region} returned no token`);
      const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) throw new AuthError(`ECR GetAuthorizationToken in ${region} returned a malformed token`);
      const credential = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source: `ECR GetAuthorizationToken in ${region}` };
      const issued = now();
      const expiresAt = data.expiresAt ? data.expiresAt.getTime() : issued + 12 * 3600_000;
      const margin = Math.min(options.refreshMarginMs ?? 300_000, Math.max(0, (expiresAt - issued) / 2));
      cache.set(region, { credential, refreshAt: expiresAt - margin });
      return credential;
    } catch (error) {
      if (error instanceof AuthError) throw error;
      const name = (error as { name?: string }).name ?? 'Error';
      throw new AuthError(`ECR GetAuthorizationToken in ${region} failed: ${name}: ${(error as Error).message}`, { cause: error });
    } finally {
      client.destroy();
    }
  }

  function regionFor(registry: string): string | undefined {
    return parseEcrHost(registry)?.region ?? (extraHosts.has(registry) ? options.region : undefined);
  }

  return {
    handles: (registry) => parseEcrHost(registry) !== undefined || extraHosts.has(registry),
    async resolve(registry, signal) {
      if (!parseEcrHost(registry) && !extraHosts.has(registry)) return undefined;
      const region = regionFor(registry);
      if (!region) throw new AuthError(`no AWS region for ECR registry ${registry}: set AWS_DEFAULT_REGION`);
      const cached = cache.get(region);
      if (cached && now() < cached.refreshAt) return cached.credential;
      let pending = inflight.get(region);
      if (!pending) {
        pending = fetchToken(region, signal).finally(() => inflight.delete(region));
        inflight.set(region, pending);
      }
      return pending;
    },
  };
}
