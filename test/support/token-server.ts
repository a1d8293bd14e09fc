import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Docker-registry token server and reverse proxy on 127.0.0.1, in front of a registry
 * with basic auth, for the bearer challenge flow: `/v2/…` without a good token answers 401
 * with `WWW-Authenticate: Bearer realm=…,service=…,scope=…`; `/token` issues tokens for the
 * scopes the user may have (GET with basic auth, or POST refresh_token/password grants as
 * identity tokens use); accepted requests are forwarded with the upstream's basic auth.
 * A cross-repository mount without pull access to `from` becomes a plain upload, as on
 * Docker Hub.
 */
export interface TokenServerOptions {
  /** Upstream registry URL (`http://127.0.0.1:PORT`). */
  readonly upstream: string;
  readonly upstreamAuth?: { readonly username: string; readonly password: string };
  /** Users and passwords accepted at the token endpoint. */
  readonly users: Readonly<Record<string, string>>;
  /** Identity (refresh) tokens and the user each stands for. */
  readonly identityTokens?: Readonly<Record<string, string>>;
  /** Which scope atoms (`repository:app:push`) a user (undefined: anonymous) gets; default: users all, anonymous none. */
  readonly grant?: (user: string | undefined, atom: string) => boolean;
  readonly tokenTtlSeconds?: number;
  readonly service?: string;
}

export interface TokenRequestRecord {
  readonly method: string;
  readonly user?: string;
  readonly requested: readonly string[];
  readonly granted: readonly string[];
}

export interface TokenServer {
  readonly url: string;
  readonly host: string;
  readonly realm: string;
  tokenRequests(): TokenRequestRecord[];
  /** `/v2/` requests answered 401 for lack of a (sufficient) token. */
  challenges(): number;
  /** Invalidates every issued token (the next request with one gets a 401). */
  revokeTokens(): void;
  stop(): Promise<void>;
}

function atomsOf(scopes: string[]): string[] {
  const atoms: string[] = [];
  for (const scope of scopes.flatMap((s) => s.split(' ')).filter(Boolean)) {
    const last = scope.lastIndexOf(':');
    for (const action of scope.slice(last + 1).split(',')) atoms.push(`${scope.slice(0, last)}:${action}`);
  }
  return atoms;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const service = options.service ?? 'test-registry';
  const ttl = options.tokenTtlSeconds ?? 300;
  const grant = options.grant ?? ((user) => user !== undefined);
  const tokens = new Map<string, { user?: string; atoms: Set<string>; expires: number }>();
  const records: TokenRequestRecord[] = [];
  let challenges = 0;
  let realm = '';
  const upstream = new URL(options.upstream);

  function issue(res: ServerResponse, method: string, user: string | undefined, requested: string[]): void {
    const granted = requested.filter((atom) => grant(user, atom));
    records.push({ method, user, requested, granted });
    const token = randomBytes(16).toString('hex');
    tokens.set(token, { user, atoms: new Set(granted), expires: Date.now() + ttl * 1000 });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: ttl, issued_at: new Date().toISOString() }));
  }

  async function tokenEndpoint(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method === 'POST') {
      const form = new URLSearchParams((await readAll(req)).toString('utf8'));
      let user: string | undefined;
      if (form.get('grant_type') === 'refresh_token') user = options.identityTokens?.[form.get('refresh_token') ?? ''];
      else if (form.get('grant_type') === 'password' && options.users[form.get('username') ?? ''] === form.get('password')) user = form.get('username') ?? undefined;
      if (!user) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
      return issue(res, 'POST', user, atomsOf([form.get('scope') ?? '']));
    }
    let user: string | undefined;
    const header = req.headers.authorization;
    if (header?.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const name = decoded.slice(0, colon);
      if (options.users[name] !== decoded.slice(colon + 1)) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
      user = name;
    }
    issue(res, 'GET', user, atomsOf(url.searchParams.getAll('scope')));
  }

  function requiredScope(method: string, url: URL): { atom?: string; name?: string } {
    const match = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(url.pathname);
    if (!match) return {};
    const name = match[1] ?? '';
    const read = method === 'GET' || method === 'HEAD';
    const action = read ? 'pull' : method === 'DELETE' && !url.pathname.includes('/blobs/uploads/') ? 'delete' : 'push';
    return { atom: `repository:${name}:${action}`, name };
  }

  function forward(req: IncomingMessage, res: ServerResponse, path: string): void {
    const headers = { ...req.headers };
    delete headers.authorization;
    if (options.upstreamAuth) headers.authorization = `Basic ${Buffer.from(`${options.upstreamAuth.username}:${options.upstreamAuth.password}`).toString('base64')}`;
    const proxied = httpRequest({ hostname: upstream.hostname, port: upstream.port, method: req.method, path, headers }, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    });
    proxied.on('error', () => res.destroy());
    req.pipe(proxied);
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/token') return tokenEndpoint(req, res, url);
      const { atom, name } = requiredScope(req.method ?? 'GET', url);
      const bearer = req.headers.authorization?.startsWith('Bearer ') ? tokens.get(req.headers.authorization.slice(7)) : undefined;
      const valid = bearer && bearer.expires > Date.now() ? bearer : undefined;
      if (!valid || (atom && !valid.atoms.has(atom))) {
        challenges++;
        // Like Docker Hub: a write asks for pull and push together.
        const action = atom ? atom.slice(atom.lastIndexOf(':') + 1) : '';
        const scope = atom && name ? `,scope="repository:${name}:${action === 'pull' ? 'pull' : `pull,${action}`}"` : '';
        const error = valid ? ',error="insufficient_scope"' : bearer ? ',error="invalid_token"' : '';
        await readAll(req);
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': `Bearer realm="${realm}",service="${service}"${scope}${error}` });
        return void res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      }
      const from = url.searchParams.get('from');
      if (req.method === 'POST' && from && !valid.atoms.has(`repository:${from}:pull`)) {
        url.searchParams.delete('mount');
        url.searchParams.delete('from');
      }
      forward(req, res, `${url.pathname}${url.search}`);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  realm = `http://127.0.0.1:${port}/token`;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    realm,
    tokenRequests: () => [...records],
    challenges: () => challenges,
    revokeTokens: () => tokens.clear(),
    stop: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
