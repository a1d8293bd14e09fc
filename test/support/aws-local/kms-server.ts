import { p256 } from '@noble/curves/nist.js';
import { execFile } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, randomUUID, verify as verifySignature, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * A local stand-in for AWS KMS, speaking its real wire protocol (AWS JSON 1.1: `POST /`,
 * `X-Amz-Target: TrentService.<Operation>`, blobs as base64, errors as HTTP 400 with
 * `{"__type": "<Exception>", "message": …}`) over HTTPS — cosign's `awskms://HOST:PORT/…`
 * always uses https — with a throw-away CA whose certificate is `caFile` (give it to cosign
 * as `AWS_CA_BUNDLE`, which the Go AWS SDK reads; to the JS SDK through an https agent).
 *
 * Implemented: CreateKey (ECC_NIST_P256 / SIGN_VERIFY only), CreateAlias, DescribeKey,
 * GetPublicKey, Sign, Verify, DisableKey, EnableKey. KeyId may be a key id, key ARN,
 * alias name or alias ARN, as with KMS. Sign follows KMS's rules: the key must be enabled
 * and SIGN_VERIFY, the algorithm one of the key's, and a DIGEST message exactly the
 * algorithm's digest length; RAW messages are hashed here, at most 4096 bytes.
 *
 * Access: a request's principal is the access key id in its SigV4 `Authorization`
 * credential scope (the signature itself is not recomputed). Only `signers` may call Sign
 * (AccessDeniedException otherwise), standing in for the IAM grant that only the manifest
 * project has; every principal may read public keys. No Authorization header at all is
 * MissingAuthenticationTokenException, as in KMS.
 */
export interface LocalKmsOptions {
  /** Access key ids allowed to call `Sign` (default: any). */
  readonly signers?: readonly string[];
  readonly region?: string;
  readonly accountId?: string;
}

export interface LocalKms {
  /** `https://127.0.0.1:PORT` — the SDK `endpoint`. */
  readonly endpoint: string;
  /** `127.0.0.1:PORT` — the host part of cosign's `awskms://127.0.0.1:PORT/<key>`. */
  readonly host: string;
  /** PEM of the CA that issued the server certificate. */
  readonly caFile: string;
  readonly ca: string;
  readonly region: string;
  /** Operations answered, in order (`Sign`, `GetPublicKey`, …), with the calling access key. */
  calls(): ReadonlyArray<{ readonly operation: string; readonly principal: string }>;
  stop(): Promise<void>;
}

interface Key {
  readonly id: string;
  readonly arn: string;
  readonly created: number;
  readonly description: string;
  enabled: boolean;
  readonly secret: Uint8Array;
  readonly publicKey: KeyObject;
}

class KmsFault extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const TARGET_PREFIX = 'TrentService.';
const ALGORITHM = 'ECDSA_SHA_256';

async function makeCertificate(dir: string): Promise<{ caFile: string; keyFile: string; certFile: string }> {
  const run = promisify(execFile);
  const caFile = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  const keyFile = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const certFile = join(dir, 'server.pem');
  const ext = join(dir, 'ext.cnf');
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', caKey, '-out', caFile, '-days', '2', '-subj', '/CN=multiarch local KMS test CA']);
  await run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', '/CN=127.0.0.1']);
  await writeFile(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', certFile, '-days', '2', '-extfile', ext]);
  return { caFile, keyFile, certFile };
}

async function drain(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function principalOf(req: IncomingMessage): string | undefined {
  const auth = String(req.headers['authorization'] ?? '');
  return /Credential=([^/,\s]+)\//.exec(auth)?.[1];
}

function blob(value: unknown, field: string): Buffer {
  if (typeof value !== 'string') throw new KmsFault('ValidationException', `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null`);
  return Buffer.from(value, 'base64');
}

export async function startLocalKms(options: LocalKmsOptions = {}): Promise<LocalKms> {
  const region = options.region ?? 'us-east-1';
  const account = options.accountId ?? '111122223333';
  const dir = await mkdtemp(join(tmpdir(), 'multiarch-kms-'));
  const { caFile, keyFile, certFile } = await makeCertificate(dir);
  const keys = new Map<string, Key>();
  const aliases = new Map<string, string>();
  const calls: Array<{ operation: string; principal: string }> = [];

  const resolve = (keyId: unknown): Key => {
    if (typeof keyId !== 'string' || keyId === '') throw new KmsFault('ValidationException', "1 validation error detected: Value at 'keyId' failed to satisfy constraint: Member must not be null");
    const arnPrefix = `arn:aws:kms:${region}:${account}:`;
    let id = keyId.startsWith(arnPrefix) ? keyId.slice(arnPrefix.length) : keyId;
    if (id.startsWith('key/')) id = id.slice('key/'.length);
    if (id.startsWith('alias/')) id = aliases.get(id) ?? '';
    const key = keys.get(id);
    if (!key) throw new KmsFault('NotFoundException', `Key '${keyId}' does not exist`);
    return key;
  };

  const metadata = (key: Key): Record<string, unknown> => ({
    AWSAccountId: account,
    KeyId: key.id,
    Arn: key.arn,
    CreationDate: key.created,
    Enabled: key.enabled,
    Description: key.description,
    KeyUsage: 'SIGN_VERIFY',
    KeyState: key.enabled ? 'Enabled' : 'Disabled',
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: 'ECC_NIST_P256',
    KeySpec: 'ECC_NIST_P256',
    SigningAlgorithms: [ALGORITHM],
    MultiRegion: false,
  });

  const digestOf = (body: Record<string, unknown>): Buffer => {
    const message = blob(body['Message'], 'message');
    if (body['SigningAlgorithm'] !== ALGORITHM) throw new KmsFault('InvalidKeyUsageException', `Signing algorithm ${String(body['SigningAlgorithm'])} is not supported for this key (supported: ${ALGORITHM})`);
    if ((body['MessageType'] ?? 'RAW') === 'DIGEST') {
      if (message.length !== 32) throw new KmsFault('ValidationException', `Digest is invalid length for algorithm ${ALGORITHM}.`);
      return message;
    }
    if (message.length > 4096) throw new KmsFault('ValidationException', "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096");
    return createHash('sha256').update(message).digest();
  };

  const operations: Record<string, (body: Record<string, unknown>, principal: string) => Record<string, unknown>> = {
    CreateKey: (body) => {
      const spec = body['KeySpec'] ?? body['CustomerMasterKeySpec'] ?? 'SYMMETRIC_DEFAULT';
      if (spec !== 'ECC_NIST_P256' || body['KeyUsage'] !== 'SIGN_VERIFY') throw new KmsFault('UnsupportedOperationException', `the local KMS implements only KeySpec ECC_NIST_P256 with KeyUsage SIGN_VERIFY (got ${String(spec)}/${String(body['KeyUsage'])})`);
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = pair.privateKey.export({ format: 'jwk' });
      const id = randomUUID();
      const key: Key = { id, arn: `arn:aws:kms:${region}:${account}:key/${id}`, created: Math.floor(Date.now() / 1000), description: typeof body['Description'] === 'string' ? body['Description'] : '', enabled: true, secret: Buffer.from(String(jwk.d), 'base64url'), publicKey: pair.publicKey };
      keys.set(id, key);
      return { KeyMetadata: metadata(key) };
    },
    CreateAlias: (body) => {
      const name = body['AliasName'];
      if (typeof name !== 'string' || !/^alias\/[a-zA-Z0-9/_-]+$/.test(name) || name.startsWith('alias/aws/')) throw new KmsFault('ValidationException', `Alias name ${String(name)} is invalid`);
      if (aliases.has(name)) throw new KmsFault('AlreadyExistsException', `An alias with the name arn:aws:kms:${region}:${account}:${name} already exists`);
      aliases.set(name, resolve(body['TargetKeyId']).id);
      return {};
    },
    DescribeKey: (body) => ({ KeyMetadata: metadata(resolve(body['KeyId'])) }),
    GetPublicKey: (body) => {
      const key = resolve(body['KeyId']);
      if (!key.enabled) throw new KmsFault('DisabledException', `${key.arn} is disabled.`);
      return { KeyId: key.arn, PublicKey: key.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'), CustomerMasterKeySpec: 'ECC_NIST_P256', KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', SigningAlgorithms: [ALGORITHM] };
    },
    Sign: (body, principal) => {
      const key = resolve(body['KeyId']);
      if (options.signers && !options.signers.includes(principal)) {
        throw new KmsFault('AccessDeniedException', `User: arn:aws:sts::${account}:assumed-role/${principal} is not authorized to perform: kms:Sign on resource: ${key.arn} because no identity-based policy allows the kms:Sign action`);
      }
      if (!key.enabled) throw new KmsFault('DisabledException', `${key.arn} is disabled.`);
      const signature = p256.sign(digestOf(body), key.secret, { prehash: false, format: 'der' });
      return { KeyId: key.arn, Signature: Buffer.from(signature).toString('base64'), SigningAlgorithm: ALGORITHM };
    },
    Verify: (body) => {
      const key = resolve(body['KeyId']);
      if (!key.enabled) throw new KmsFault('DisabledException', `${key.arn} is disabled.`);
      const digest = digestOf(body);
      const signature = blob(body['Signature'], 'signature');
      // over the digest itself: node's ECDSA verify would hash it again
      const valid = p256.verify(signature, digest, p256ToRaw(key.publicKey), { prehash: false, format: 'der', lowS: false });
      if (!valid) throw new KmsFault('KMSInvalidSignatureException', 'Signature is not valid');
      return { KeyId: key.arn, SignatureValid: true, SigningAlgorithm: ALGORITHM };
    },
    DisableKey: (body) => {
      resolve(body['KeyId']).enabled = false;
      return {};
    },
    EnableKey: (body) => {
      resolve(body['KeyId']).enabled = true;
      return {};
    },
  };

  const server: Server = createServer({ key: await readFile(keyFile), cert: await readFile(certFile) }, (req, res) => {
    void drain(req).then((text) => {
      const reply = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() }).end(JSON.stringify(body));
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
      const principal = principalOf(req);
      try {
        if (req.method !== 'POST') throw new KmsFault('SerializationException', 'POST required');
        if (!principal) throw new KmsFault('MissingAuthenticationTokenException', 'Missing Authentication Token');
        const handler = operations[operation];
        if (!handler) throw new KmsFault('UnknownOperationException', `operation ${target || '(none)'} is not implemented by the local KMS`);
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(text || '{}') as Record<string, unknown>;
        } catch {
          throw new KmsFault('SerializationException', 'request body is not JSON');
        }
        calls.push({ operation, principal });
        reply(200, handler(body, principal));
      } catch (error) {
        if (error instanceof KmsFault) reply(400, { __type: error.type, message: error.message });
        else reply(500, { __type: 'KMSInternalException', message: (error as Error).message });
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `https://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    caFile,
    ca: await readFile(caFile, 'utf8'),
    region,
    calls: () => [...calls],
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The uncompressed SEC1 point (0x04‖X‖Y) of a P-256 public key, what noble verifies against. */
function p256ToRaw(key: KeyObject): Uint8Array {
  const jwk = key.export({ format: 'jwk' });
  return new Uint8Array([4, ...Buffer.from(String(jwk.x), 'base64url'), ...Buffer.from(String(jwk.y), 'base64url')]);
}

/** Checks a KMS ECDSA_SHA_256 signature over `message` with node's own crypto (independent of the emulator's signer). */
export function verifyEcdsaSha256(publicKeyDer: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return verifySignature('sha256', message, createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' }), signature);
}
