import { describe, expect, it } from 'vitest';
import { digestsFromVerifyOutput, statementCovers, statementsFromVerifyOutput } from '../../../src/attest/cosign-envelopes.js';
import { cosignFailureReason } from '../../../src/attest/cosign-runner.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

function envelope(statement: object, payloadType = 'application/vnd.in-toto+json'): string {
  return JSON.stringify({ payloadType, payload: Buffer.from(JSON.stringify(statement)).toString('base64'), signatures: [{ keyid: '', sig: 'x' }] });
}

describe('statementsFromVerifyOutput', () => {
  const statement = { _type: 'https://in-toto.io/Statement/v0.1', predicateType: 'https://slsa.dev/provenance/v1', subject: [{ name: 'r/app', digest: { sha256: 'ab'.repeat(32) } }], predicate: { a: 1 } };

  it('decodes one statement per envelope line and skips anything else', () => {
    const out = [envelope(statement), 'not json', envelope(statement, 'text/plain'), '{"payload": 3}'].join('\n');
    const found = statementsFromVerifyOutput(out);
    expect(found).toHaveLength(1);
    expect(found[0]?.predicate).toEqual({ a: 1 });
  });

  it('statementCovers matches the subject digest exactly', () => {
    expect(statementCovers(statement, DIGEST)).toBe(true);
    expect(statementCovers(statement, `sha256:${'cd'.repeat(32)}`)).toBe(false);
  });
});

describe('digestsFromVerifyOutput', () => {
  it('reads docker-manifest-digest from the simple-signing payload array', () => {
    const out = `[{"critical":{"identity":{"docker-reference":"r/app"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature"},"optional":null}]`;
    expect(digestsFromVerifyOutput(out)).toEqual([DIGEST]);
    expect(digestsFromVerifyOutput('')).toEqual([]);
    expect(digestsFromVerifyOutput('[broken')).toEqual([]);
  });
});

describe('cosignFailureReason', () => {
  it('takes the Error: line, not the main.go repeat or the tlog warning', () => {
    const stderr = 'WARNING: Skipping tlog verification is an insecure practice\nError: no matching signatures: invalid signature when validating ASN.1 encoded signature\nmain.go:69: error during command execution: no matching signatures: invalid signature when validating ASN.1 encoded signature\n';
    expect(cosignFailureReason(stderr)).toBe('no matching signatures: invalid signature when validating ASN.1 encoded signature');
    expect(cosignFailureReason('WARNING: x\nsomething else\n')).toBe('something else');
    expect(cosignFailureReason('')).toBe('no output');
  });
});
