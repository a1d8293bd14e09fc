/** An in-toto statement as cosign wraps it in a DSSE envelope. */
export interface InTotoStatement {
  readonly _type: string;
  readonly predicateType: string;
  readonly subject: ReadonlyArray<{ readonly name?: string; readonly digest?: Readonly<Record<string, string>> }>;
  readonly predicate: unknown;
}

/**
 * The statements in `cosign verify-attestation` output: one DSSE envelope per line, whose
 * base64 payload is the statement. cosign prints only envelopes whose signature it verified,
 * so these are what the key vouches for. Lines that are not envelopes are skipped.
 */
export function statementsFromVerifyOutput(stdout: string): InTotoStatement[] {
  const statements: InTotoStatement[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    try {
      const envelope = JSON.parse(line) as { payloadType?: unknown; payload?: unknown };
      if (envelope.payloadType !== 'application/vnd.in-toto+json' || typeof envelope.payload !== 'string') continue;
      const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as InTotoStatement;
      if (typeof statement.predicateType === 'string' && Array.isArray(statement.subject)) statements.push(statement);
    } catch {
      // not an envelope
    }
  }
  return statements;
}

/** True when the statement names `digest` (`sha256:…`) among its subjects. */
export function statementCovers(statement: InTotoStatement, digest: string): boolean {
  const [algorithm, hex] = digest.split(':');
  return statement.subject.some((s) => algorithm !== undefined && s.digest?.[algorithm] === hex);
}

/**
 * The manifest digests `cosign verify` vouches for: its stdout is a JSON array of simple
 * signing payloads, each naming `critical.image.docker-manifest-digest`.
 */
export function digestsFromVerifyOutput(stdout: string): string[] {
  const start = stdout.indexOf('[');
  if (start === -1) return [];
  try {
    const payloads = JSON.parse(stdout.slice(start)) as Array<{ critical?: { image?: { 'docker-manifest-digest'?: unknown } } }>;
    return payloads.map((p) => p.critical?.image?.['docker-manifest-digest']).filter((d): d is string => typeof d === 'string');
  } catch {
    return [];
  }
}
