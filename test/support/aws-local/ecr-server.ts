import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Amazon ECR API endpoint, speaking its real wire protocol (AWS
 * JSON 1.1: `POST /`, `Content-Type: application/x-amz-json-1.1`,
 * `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Operation>`), for tests that cannot
 * reach AWS. `GetAuthorizationToken` answers
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
 * `BatchGetImage` and `PutImage` (the documented ECR retag) go to that registry: the stored
 * manifest bytes by digest or tag, and a put under a tag, refusing a digest mismatch
 * (`ImageDigestDoesNotMatchException`) and a put that changes nothing
 * (`ImageAlreadyExistsException`), as ECR does.
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
    void drain(req).then((body) => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const reply = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `local-${Date.now()}-${count}` }).end(JSON.stringify(body));
      };
      if (req.method !== 'POST') return reply(400, { __type: 'SerializationException', message: 'POST required' });
      if (target === `${TARGET_PREFIX}BatchGetImage` || target === `${TARGET_PREFIX}PutImage`) {
        const run = target.endsWith('BatchGetImage') ? batchGetImage : putImage;
        return void run(options, JSON.parse(body || '{}') as Record<string, unknown>).then(
          (out) => reply(200, out),
          (error: unknown) => reply(400, { __type: (error as Error).name, message: (error as Error).message }),
        );
      }
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

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

function ecrError(type: string, message: string): Error {
  const error = new Error(message);
  error.name = type;
  return error;
}

/** The registry behind the fake, with the htpasswd login ECR's token stands for. */
async function registryFetch(options: LocalEcrOptions, path: string, init: RequestInit = {}): Promise<Response> {
  const auth = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  return fetch(`${options.registryUrl}/v2/${path}`, { ...init, headers: { authorization: auth, accept: ACCEPT, ...(init.headers as Record<string, string> | undefined) } });
}

/** BatchGetImage by digest or tag: the stored manifest bytes and media type, as ECR returns them. */
async function batchGetImage(options: LocalEcrOptions, input: Record<string, unknown>): Promise<unknown> {
  const repository = String(input['repositoryName'] ?? '');
  const images: unknown[] = [];
  const failures: unknown[] = [];
  for (const id of (input['imageIds'] as { imageDigest?: string; imageTag?: string }[] | undefined) ?? []) {
    const ref = id.imageDigest ?? id.imageTag ?? '';
    const response = await registryFetch(options, `${repository}/manifests/${ref}`);
    if (response.status !== 200) {
      failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
      continue;
    }
    const imageManifest = await response.text();
    const imageDigest = `sha256:${createHash('sha256').update(imageManifest).digest('hex')}`;
    images.push({ registryId: '000000000000', repositoryName: repository, imageId: { imageDigest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) }, imageManifest, imageManifestMediaType: response.headers.get('content-type') });
  }
  return { images, failures };
}

/** PutImage: the manifest under a tag; ECR refuses a digest mismatch and a put that changes nothing. */
async function putImage(options: LocalEcrOptions, input: Record<string, unknown>): Promise<unknown> {
  const repository = String(input['repositoryName'] ?? '');
  const manifest = String(input['imageManifest'] ?? '');
  const tag = input['imageTag'] === undefined ? undefined : String(input['imageTag']);
  const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
  if (input['imageDigest'] !== undefined && input['imageDigest'] !== digest) {
    throw ecrError('ImageDigestDoesNotMatchException', `Invalid parameter at 'imageDigest' failed to satisfy constraint: 'digest does not match manifest' (${String(input['imageDigest'])} vs ${digest})`);
  }
  if (tag) {
    const current = await registryFetch(options, `${repository}/manifests/${tag}`, { method: 'HEAD' });
    if (current.status === 200 && current.headers.get('docker-content-digest') === digest) {
      throw ecrError('ImageAlreadyExistsException', `Image with digest '${digest}' and tag '${tag}' already exists in the repository with name '${repository}'`);
    }
  }
  const mediaType = String(input['imageManifestMediaType'] ?? (JSON.parse(manifest) as { mediaType?: string }).mediaType ?? 'application/vnd.oci.image.manifest.v1+json');
  const put = await registryFetch(options, `${repository}/manifests/${tag ?? digest}`, { method: 'PUT', body: manifest, headers: { 'content-type': mediaType } });
  if (put.status !== 201) throw ecrError('InvalidParameterException', `registry refused the manifest: HTTP ${put.status} ${await put.text()}`);
  return { image: { registryId: '000000000000', repositoryName: repository, imageId: { imageDigest: digest, ...(tag ? { imageTag: tag } : {}) }, imageManifest: manifest, imageManifestMediaType: mediaType } };
}
