import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { BadRequestError, BrowseError } from '../errors.js';
import { describeIssues } from '../render/options.js';

/**
 * Reads and validates a JSON body: 415 unless it is JSON, 413 beyond `maxBytes` (checked
 * on Content-Length and again while reading, for chunked bodies), 400 for malformed JSON
 * or a body the schema rejects.
 */
export async function readJsonBody<Schema extends z.ZodType>(request: IncomingMessage, schema: Schema, maxBytes: number): Promise<z.infer<Schema>> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new BrowseError('UNSUPPORTED_MEDIA_TYPE', 'send the body as JSON with Content-Type: application/json');
  }
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new BadRequestError(`malformed JSON: ${error instanceof Error ? error.message : 'parse error'}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new BadRequestError(describeIssues(parsed.error));
  return parsed.data;
}

function tooLarge(maxBytes: number): BrowseError {
  return new BrowseError('PAYLOAD_TOO_LARGE', `body larger than ${maxBytes} bytes`);
}
