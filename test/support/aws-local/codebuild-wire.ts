import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The AWS JSON 1.1 wire protocol as the CodeBuild and CloudWatch Logs fakes speak it:
 * POST /, `X-Amz-Target: <Service>.<Operation>`, a JSON body in and out, errors as HTTP
 * 400 (or 5xx) with `{"__type": "<ErrorCode>", "message": "…"}` and the same code in
 * `x-amzn-ErrorType`, which is how the SDK picks the exception class.
 */

/** An error the fake answers with; `type` is the AWS error code (the SDK exception name). */
export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new AwsError('SerializationException', 'request body is not a JSON object');
}

export function sendJson(response: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  response.end(text);
}

export function sendError(response: ServerResponse, error: AwsError): void {
  sendJson(response, error.status, { __type: error.type, message: error.message }, error.type);
}

/** Seconds since the epoch, with milliseconds: how JSON 1.1 services send timestamps. */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}

export function requireString(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') throw new AwsError('InvalidInputException', `${name} is required`);
  return value;
}
