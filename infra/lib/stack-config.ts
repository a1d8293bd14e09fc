import { z } from 'zod';
import { ConfigError } from '../../src/errors.js';
import { DEFAULT_BASE_IMAGE, DIGEST_PATTERN } from '../../src/aws/base-image.js';
import { DEFAULT_REPOSITORY_NAME } from '../../src/aws/project-names.js';

/**
 * Where CodeBuild fetches the repository (and so the buildspec files) from. GitHub needs an
 * account-level source credential (`aws codebuild import-source-credentials`); CodeCommit and
 * S3 are reached with the project role, which the stack scopes to that repository or object.
 */
export type BuildSourceConfig =
  | { readonly kind: 'github'; readonly owner: string; readonly repo: string; readonly branch: string }
  | { readonly kind: 'codecommit'; readonly repositoryName: string; readonly branch: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly key: string };

/** Everything the stack varies on, validated once and frozen (see {@link resolveStackConfig}). */
export interface StackConfig {
  /** Twelve digits, or undefined for an environment-agnostic template (`AWS::AccountId`). */
  readonly account: string | undefined;
  /**
   * `-c region=…`, else the CLI's `CDK_DEFAULT_REGION` (the profile's region), else undefined:
   * an environment-agnostic template whose region is the one it is deployed to.
   */
  readonly region: string | undefined;
  readonly repositoryName: string;
  /**
   * Use the ECR repository that already exists under `repositoryName` (migrating from the
   * original pipeline, or redeploying after `cdk destroy`, which retains the repository)
   * instead of creating it.
   */
  readonly existingRepository: boolean;
  /** `BASE_IMAGE` of every image build (default: the ECR Public mirror of Debian). */
  readonly baseImage: string;
  /** Pins `baseImage` to this digest when set (`BASE_DIGEST`). */
  readonly baseDigest: string | undefined;
  /**
   * EventBridge Scheduler expression of the scheduled security rebuild (a signed release by
   * the manifest project, MANIFEST_SOURCES=builds),
   * or undefined when switched off (`-c schedule=off`).
   */
  readonly schedule: string | undefined;
  /** The multi-arch tag; per-arch tags derive from it (`latest` → `latest-amd64`). */
  readonly tag: string;
  readonly source: BuildSourceConfig;
  /** True when no source was given and the placeholder below stands in for it. */
  readonly sourceIsPlaceholder: boolean;
  /** Also create the CodeBuild batch project (`buildspec-batch.yml`). */
  readonly batch: boolean;
  readonly logRetentionDays: number;
}

/** Stands in when no source is configured, so `cdk synth` works out of the box. */
export const PLACEHOLDER_SOURCE: BuildSourceConfig = Object.freeze({
  kind: 'github',
  owner: 'OWNER',
  repo: 'puppeteer-multiarch',
  branch: 'main',
});

export const DEFAULT_LOG_RETENTION_DAYS = 30;

/** Chromium ships security fixes every few weeks: a weekly rebuild keeps the image at most a week behind. */
export const DEFAULT_SCHEDULE = 'rate(7 days)';
const SCHEDULE_ALIASES: Readonly<Record<string, string | undefined>> = { weekly: DEFAULT_SCHEDULE, daily: 'rate(1 day)', on: DEFAULT_SCHEDULE, true: DEFAULT_SCHEDULE, off: undefined, false: undefined };

// The values CloudWatch Logs accepts for RetentionInDays.
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

// ECR: lowercase, may contain `/` namespaces, 2–256 characters; CodeBuild project names
// (`<repo>-manifest`) additionally forbid `/`, so the stricter rule applies here.
const repositoryName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{1,200}$/, 'lowercase letters, digits, ".", "_" or "-" (no "/": it becomes part of CodeBuild project names)');
// Docker tag grammar, minus the suffix the per-arch tag adds (128 - "-arm64v8").
const tag = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,119}$/, 'a Docker tag of at most 120 characters');
const branch = z.string().min(1).regex(/^[^\s]+$/, 'a branch, tag or commit without spaces');

const sourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('github'), owner: z.string().regex(/^[A-Za-z0-9-]+$/), repo: z.string().regex(/^[A-Za-z0-9._-]+$/), branch }),
  z.object({ kind: z.literal('codecommit'), repositoryName: z.string().regex(/^[\w.-]{1,100}$/), branch }),
  z.object({ kind: z.literal('s3'), bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/), key: z.string().min(1).refine((k) => !k.startsWith('/'), 'no leading "/"') }),
]);

const configSchema = z.object({
  account: z.string().regex(/^\d{12}$/, 'twelve digits').optional(),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1').optional(),
  repositoryName,
  existingRepository: z.boolean(),
  baseImage: z.string().regex(/^[a-z0-9][a-z0-9._:/-]*[a-z0-9](@sha256:[a-f0-9]{64})?$/, 'an image reference such as public.ecr.aws/docker/library/debian:trixie-slim'),
  baseDigest: z.string().regex(DIGEST_PATTERN, 'sha256: and 64 lowercase hex digits').optional(),
  // EventBridge Scheduler accepts rate(N unit) and six-field cron(…) expressions.
  schedule: z.string().regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\([^()]+\))$/, 'off, weekly, daily, rate(N days) or cron(…)').optional(),
  tag,
  source: sourceSchema.optional(),
  batch: z.boolean(),
  logRetentionDays: z.number().refine((d) => RETENTION_DAYS.includes(d), `one of ${RETENTION_DAYS.join(', ')}`),
});

/** The raw inputs, as props or as CDK context values (strings) before validation. */
export interface StackConfigInput {
  readonly account?: string | undefined;
  readonly region?: string | undefined;
  readonly repositoryName?: string | undefined;
  readonly existingRepository?: boolean | string | undefined;
  readonly baseImage?: string | undefined;
  readonly baseDigest?: string | undefined;
  /** `off`, `weekly` (default), `daily`, or a Scheduler `rate(…)`/`cron(…)` expression. */
  readonly schedule?: string | undefined;
  readonly tag?: string | undefined;
  /** A {@link BuildSourceConfig} or its short form, see {@link parseSourceSpec}. */
  readonly source?: BuildSourceConfig | string | undefined;
  readonly batch?: boolean | string | undefined;
  readonly logRetentionDays?: number | string | undefined;
}

/**
 * Parses the short source forms accepted on the command line (`-c source=…`):
 * `github:owner/repo[@branch]`, `codecommit:name[@branch]`, `s3://bucket/key`.
 */
export function parseSourceSpec(spec: string): BuildSourceConfig {
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(spec);
  if (s3) return { kind: 's3', bucket: s3[1]!, key: s3[2]! };
  const github = /^github:([^/@]+)\/([^/@]+)(?:@(.+))?$/.exec(spec);
  if (github) return { kind: 'github', owner: github[1]!, repo: github[2]!, branch: github[3] ?? 'main' };
  const codecommit = /^codecommit:([^/@]+)(?:@(.+))?$/.exec(spec);
  if (codecommit) return { kind: 'codecommit', repositoryName: codecommit[1]!, branch: codecommit[2] ?? 'main' };
  throw new ConfigError(`source "${spec}": use github:owner/repo[@branch], codecommit:name[@branch] or s3://bucket/key`);
}

function parseBoolean(value: boolean | string | undefined): boolean | string {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

function parseSchedule(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return DEFAULT_SCHEDULE;
  return value in SCHEDULE_ALIASES ? SCHEDULE_ALIASES[value] : value;
}

/** Validates the inputs once, fills the defaults (the original pipeline's values) and freezes. */
export function resolveStackConfig(input: StackConfigInput): StackConfig {
  const source = typeof input.source === 'string' ? parseSourceSpec(input.source) : input.source;
  const parsed = configSchema.safeParse({
    account: input.account || undefined,
    region: input.region || undefined,
    repositoryName: input.repositoryName || DEFAULT_REPOSITORY_NAME,
    existingRepository: parseBoolean(input.existingRepository),
    baseImage: input.baseImage || DEFAULT_BASE_IMAGE,
    baseDigest: input.baseDigest || undefined,
    schedule: parseSchedule(input.schedule),
    tag: input.tag || 'latest',
    source,
    batch: parseBoolean(input.batch),
    logRetentionDays: input.logRetentionDays === undefined ? DEFAULT_LOG_RETENTION_DAYS : Number(input.logRetentionDays),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`stack setting "${issue.path.join('.') || '(root)'}": ${issue.message}`);
  }
  const { source: given, ...rest } = parsed.data;
  return Object.freeze({
    ...rest,
    account: rest.account,
    region: rest.region,
    baseDigest: rest.baseDigest,
    schedule: rest.schedule,
    source: Object.freeze(given ?? PLACEHOLDER_SOURCE),
    sourceIsPlaceholder: given === undefined,
  });
}
