import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Amazon ECR API endpoint, speaking its real wire protocol (AWS
 * JSON 1.1: `POST /`, `Content-Type: application/x-amz-json-1.1`,
 * `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Operation>`), for tests that cannot
 * reach AWS. Only `GetAuthorizationToken` is implemented; it answers
 * `{"authorizationData":[{"authorizationToken": base64("<username>:<password>"),
 * "expiresAt": <epoch seconds>, "proxyEndpoint": registryUrl}]}` so the token unlocks the
 * htpasswd registry at `registryUrl` (use username `AWS`, as ECR does).
 *
 * Requests are accepted whatever they are signed with: any SigV4 `Authorization` header (any
 * access key, any region), or none. So both the AWS SDK v3 (`new ECRClient({ endpoint })`)
 * and the AWS CLI work against it:
 *
 * ```sh
 * AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
 *   aws ecr get-login-password --region us-east-1 --endpoint-url "$endpoint"
 * ```
 *
 * Other operations get a JSON 1.1 error (`UnknownOperationException`, HTTP 400), which the
 * SDKs surface as a service exception.
 */
export interface LocalEcrOptions {
  readonly username: string;
  readonly password: string;
  /** The registry the token is for, returned as `proxyEndpoint`. */
  readonly registryUrl: string;
  /** Token lifetime reported in `expiresAt` (default 12 hours, as ECR). */
  readonly ttlSeconds?: number;
}

export interface LocalEcr {
  /** `http://127.0.0.1:PORT` — pass as the SDK `endpoint` or the CLI `--endpoint-url`. */
  readonly endpoint: string;
  /** GetAuthorizationToken calls answered so far. */
  requests(): number;
  stop(): Promise<void>;
}

const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';

async function drain(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startLocalEcr(options: LocalEcrOptions): Promise<LocalEcr> {
  let count = 0;
  const server = createServer((req, res) => {
    void drain(req).then(() => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const reply = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `local-${Date.now()}-${count}` }).end(JSON.stringify(body));
      };
      if (req.method !== 'POST') return reply(400, { __type: 'SerializationException', message: 'POST required' });
      if (target !== `${TARGET_PREFIX}GetAuthorizationToken`) {
        return reply(400, { __type: 'UnknownOperationException', message: `operation ${target || '(none)'} is not implemented by the local ECR` });
      }
      count++;
      const token = Buffer.from(`${options.username}:${options.password}`).toString('base64');
      const expiresAt = Math.floor(Date.now() / 1000) + (options.ttlSeconds ?? 12 * 3600);
      reply(200, { authorizationData: [{ authorizationToken: token, expiresAt, proxyEndpoint: options.registryUrl }] });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => count,
    stop: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
