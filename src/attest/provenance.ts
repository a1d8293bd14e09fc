import { z } from 'zod';
import { BadInputError } from '../errors.js';

/**
 * The in-toto predicate type of SLSA provenance v1, which `cosign attest --type
 * slsaprovenance1` records.
 */
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';

/**
 * Our build type: a `docker build` of the image's Dockerfile for one platform, with the
 * build args below; docs/signing.md describes its parameters. A URN, not a URL: the project
 * publishes no page at a fixed address, and a made-up one would be an invented claim.
 */
export const BUILD_TYPE = 'urn:puppeteer-multiarch:build-type:docker-build:v1';

const COMMIT = z.string().regex(/^[a-f0-9]{40}([a-f0-9]{24})?$/, 'a full git commit SHA (40 or 64 hex digits)');
const DIGEST = z.string().regex(/^sha256:[a-f0-9]{64}$/, 'sha256:<64 hex>');

const BuilderSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local-docker'), engineVersion: z.string().min(1).optional() }),
  z.object({ kind: z.literal('remote-docker'), host: z.string().min(1), engineVersion: z.string().min(1).optional() }),
  z.object({
    kind: z.literal('codebuild'),
    /** CodeBuild project ARN (`arn:aws:codebuild:REGION:ACCOUNT:project/NAME`). */
    projectArn: z.string().regex(/^arn:aws[a-z-]*:codebuild:[a-z0-9-]+:\d{12}:project\/[A-Za-z0-9_-]+$/, 'a CodeBuild project ARN'),
    /** Build id (`NAME:UUID`) or build ARN. */
    buildId: z.string().min(1),
  }),
]);

/** What the pipeline knows about one per-arch build; it fills this, we shape it. */
export const ProvenanceInputSchema = z.object({
  /** `linux/amd64`, `linux/arm64/v8`. */
  platform: z.string().regex(/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/),
  /** From `readGitSource`; any field git could not tell stays absent. */
  source: z.object({ repository: z.string().min(1).optional(), commit: COMMIT.optional(), ref: z.string().min(1).optional(), dirty: z.boolean().optional() }),
  builder: BuilderSchema,
  /** Dockerfile path relative to the repository root (`image/Dockerfile`) and its sha256. */
  dockerfile: z.object({ path: z.string().min(1), sha256: z.string().regex(/^[a-f0-9]{64}$/).optional() }),
  buildArgs: z.record(z.string(), z.string()),
  /** The base image the build used, by digest (its reference too when it has one). */
  baseImage: z.object({ reference: z.string().min(1).optional(), digest: DIGEST }).optional(),
  startedOn: z.date(),
  finishedOn: z.date(),
}).refine((v) => v.finishedOn.getTime() >= v.startedOn.getTime(), { message: 'finishedOn is before startedOn', path: ['finishedOn'] });

export type ProvenanceInput = z.input<typeof ProvenanceInputSchema>;
export type ProvenanceBuilder = z.infer<typeof BuilderSchema>;

interface ResourceDescriptor {
  uri?: string;
  name?: string;
  digest: Record<string, string>;
  annotations?: Record<string, string>;
}

/** An SLSA provenance v1 predicate (the `predicate` of the in-toto statement cosign makes). */
export interface SlsaProvenanceV1 {
  buildDefinition: {
    buildType: string;
    externalParameters: Record<string, unknown>;
    internalParameters?: Record<string, unknown>;
    resolvedDependencies: ResourceDescriptor[];
  };
  runDetails: {
    builder: { id: string; version?: Record<string, string> };
    metadata: { invocationId?: string; startedOn: string; finishedOn: string };
  };
}

function builderId(builder: ProvenanceBuilder): string {
  switch (builder.kind) {
    case 'codebuild':
      return builder.projectArn;
    case 'remote-docker':
      return `${BUILD_TYPE.replace(/#.*$/, '')}#builder-remote-docker`;
    case 'local-docker':
      return `${BUILD_TYPE.replace(/#.*$/, '')}#builder-local-docker`;
  }
}

/** `git+https://…@refs/heads/main` — the SLSA convention for a git source URI. */
function sourceUri(repository: string, ref: string | undefined): string {
  const base = repository.startsWith('git+') ? repository : `git+${repository}`;
  return ref ? `${base}@${ref}` : base;
}

/**
 * The SLSA v1 provenance predicate of one per-arch build. The source dependency is present
 * only when git named a commit; its URI only when there is a remote. Bad input (a short
 * commit, a digest that is not sha256, end before start) is one BadInputError.
 */
export function buildProvenance(input: ProvenanceInput): SlsaProvenanceV1 {
  const parsed = ProvenanceInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BadInputError(`invalid provenance input: ${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'invalid'}`);
  }
  const value = parsed.data;
  const dependencies: ResourceDescriptor[] = [];
  if (value.source.commit) {
    dependencies.push({
      ...(value.source.repository ? { uri: sourceUri(value.source.repository, value.source.ref) } : { name: 'source' }),
      digest: { gitCommit: value.source.commit },
      ...(value.source.dirty ? { annotations: { dirty: 'true' } } : {}),
    });
  }
  if (value.baseImage) {
    dependencies.push({
      ...(value.baseImage.reference ? { uri: `pkg:docker/${value.baseImage.reference.replace(/@sha256:.*$/, '')}?platform=${encodeURIComponent(value.platform)}` } : { name: 'base-image' }),
      digest: { sha256: value.baseImage.digest.slice('sha256:'.length) },
    });
  }
  const builder = value.builder;
  const internal: Record<string, unknown> = { builderKind: builder.kind };
  if (builder.kind === 'remote-docker') internal['dockerHost'] = builder.host;
  const version: Record<string, string> = {};
  if (builder.kind !== 'codebuild' && builder.engineVersion) version['docker'] = builder.engineVersion;
  return {
    buildDefinition: {
      buildType: BUILD_TYPE,
      externalParameters: {
        platform: value.platform,
        dockerfile: value.dockerfile.path,
        buildArgs: Object.fromEntries(Object.entries(value.buildArgs).sort(([a], [b]) => a.localeCompare(b))),
        ...(value.source.repository || value.source.commit ? { source: { ...(value.source.repository ? { repository: value.source.repository } : {}), ...(value.source.ref ? { ref: value.source.ref } : {}), ...(value.source.commit ? { commit: value.source.commit } : {}) } } : {}),
      },
      internalParameters: { ...internal, ...(value.dockerfile.sha256 ? { dockerfileSha256: value.dockerfile.sha256 } : {}) },
      resolvedDependencies: dependencies,
    },
    runDetails: {
      builder: { id: builderId(builder), ...(Object.keys(version).length > 0 ? { version } : {}) },
      metadata: {
        ...(builder.kind === 'codebuild' ? { invocationId: builder.buildId } : {}),
        startedOn: value.startedOn.toISOString(),
        finishedOn: value.finishedOn.toISOString(),
      },
    },
  };
}

/**
 * The commit a provenance predicate names for its source (the `gitCommit` digest of a
 * resolved dependency), or undefined when it names none.
 */
export function provenanceCommit(predicate: unknown): string | undefined {
  const deps = (predicate as { buildDefinition?: { resolvedDependencies?: unknown } } | undefined)?.buildDefinition?.resolvedDependencies;
  if (!Array.isArray(deps)) return undefined;
  for (const dep of deps) {
    const commit = (dep as { digest?: { gitCommit?: unknown } } | undefined)?.digest?.gitCommit;
    if (typeof commit === 'string') return commit;
  }
  return undefined;
}
