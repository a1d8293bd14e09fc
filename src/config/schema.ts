import { z } from 'zod';
import { ARCHES, parseArch, type Arch } from '../arch.js';
import { DEFAULT_REGION, DEFAULT_REPOSITORY_NAME } from '../aws/project-names.js';
import { builderSpecSchema, parseBuilderSpec, type BuilderSpec } from './builder-spec.js';
import { parseDuration } from './duration.js';

/** Accepts `["amd64","arm64v8"]` or `"amd64,arm64v8"` and the original IMAGE_ARCH spellings. */
const archListSchema = z.preprocess(
  (value) => (typeof value === 'string' ? value.split(',').map((p) => p.trim()).filter(Boolean) : value),
  z
    .array(z.string())
    .min(1, 'at least one architecture is needed')
    .transform((values, ctx) => {
      const arches: Arch[] = [];
      for (const value of values) {
        try {
          const arch = parseArch(value);
          if (arches.includes(arch)) {
            // silently dropping it would publish a one-arch index to the multi-arch tag
            ctx.addIssue({ code: 'custom', message: `"${value}" names ${arch} twice: list each architecture once` });
            return z.NEVER;
          }
          arches.push(arch);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
          return z.NEVER;
        }
      }
      return arches;
    }),
);

/** Milliseconds from `90s`, `30m`, or a number of seconds. */
const durationSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    return parseDuration(value, 'value');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message.replace(/^value: /, '') : String(error) });
    return z.NEVER;
  }
});

// A Docker tag: https://github.com/distribution/reference/blob/main/reference.go
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const REGISTRY = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d{1,5})?$/;
const validPort = (host: string): boolean => {
  const port = /:(\d+)$/.exec(host)?.[1];
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
};

const buildersSchema = z
  .record(z.string(), z.preprocess(parseBuilderSpec, builderSpecSchema))
  .superRefine((value, ctx) => {
    for (const key of Object.keys(value)) {
      if (!(ARCHES as readonly string[]).includes(key)) ctx.addIssue({ code: 'custom', path: [key], message: `unknown architecture "${key}" (use ${ARCHES.join(' or ')})` });
    }
  });

/** The one validated shape of everything `multiarch pipeline` needs. */
export const pipelineConfigSchema = z
  .object({
    /** Registry host[:port]; defaults to the ECR registry of accountId/region. */
    registry: z
      .string()
      .regex(REGISTRY, 'must be a registry host such as 127.0.0.1:5000 or 123456789012.dkr.ecr.us-east-1.amazonaws.com')
      .refine(validPort, 'port must be 1-65535')
      .optional(),
    repository: z.string().regex(REPOSITORY, 'must be a lowercase repository name such as multi-arch-test').default(DEFAULT_REPOSITORY_NAME),
    tag: z.string().regex(TAG, 'must be a Docker tag (letters, digits, _ . -; at most 128)').default('latest'),
    arches: archListSchema.default(['amd64', 'arm64']),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1').default(DEFAULT_REGION),
    accountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id').optional(),
    builders: buildersSchema.default({}),
    build: z
      .object({
        context: z.string().min(1).optional(),
        /** Product image base: auto | public | local | an image reference. */
        base: z.string().min(1).default('auto'),
        dockerfile: z.string().min(1).optional(),
        /** Name of the local per-arch tag: {tag}, {arch}, {suffix} (amd64 | arm64v8). */
        localTagTemplate: z
          .string()
          .refine((t) => t.includes('{tag}') && /\{(arch|suffix)\}/.test(t), 'must contain {tag} and {arch} or {suffix}')
          .default('{tag}-{suffix}'),
        /** Extra CA bundle given to the product build as the `ca` secret; false: none; unset: the system bundle. */
        caBundle: z.union([z.string().min(1), z.literal(false)]).optional(),
        args: z.record(z.string(), z.string()).default({}),
        secrets: z.array(z.object({ id: z.string().min(1), src: z.string().min(1) }).strict()).default([]),
      })
      .strict()
      .default({ base: 'auto', localTagTemplate: '{tag}-{suffix}', args: {}, secrets: [] }),
    smokeTest: z
      .object({
        skip: z.boolean().default(false),
        /** Replaces the product smoke test: a command run in the image; exit 0 passes. */
        command: z.array(z.string()).min(1).optional(),
      })
      .strict()
      .default({ skip: false }),
    timeouts: z
      .object({
        build: durationSchema.default(3_600_000),
        smokeTest: durationSchema.default(600_000),
        push: durationSchema.default(900_000),
        index: durationSchema.default(120_000),
        pipeline: durationSchema.default(7_200_000),
      })
      .strict()
      .default({ build: 3_600_000, smokeTest: 600_000, push: 900_000, index: 120_000, pipeline: 7_200_000 }),
    codebuild: z
      .object({
        endpoint: z.url().optional(),
        logsEndpoint: z.url().optional(),
        sourceVersion: z.string().min(1).optional(),
        pollInterval: durationSchema.default(5_000),
        maxPollInterval: durationSchema.default(30_000),
        /** How long a build may sit in SUBMITTED/QUEUED before it is stopped. */
        queueTimeout: durationSchema.default(900_000),
      })
      .strict()
      .default({ pollInterval: 5_000, maxPollInterval: 30_000, queueTimeout: 900_000 }),
    credentials: z
      .object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1), sessionToken: z.string().min(1).optional() })
      .strict()
      .optional(),
    /** ECR API endpoint for registry credentials (GetAuthorizationToken): a VPC endpoint, or a local fake. */
    ecrEndpoint: z.url().optional(),
    publish: z
      .object({
        /** Move the tag even if another publisher moved it after this run started. */
        force: z.boolean().default(false),
        /** Wait for another run on this machine holding the same target (else fail at once). */
        wait: z.boolean().default(true),
      })
      .strict()
      .default({ force: false, wait: true }),
    /** Sign and attest what is published: a cosign key file or an AWS KMS key (never both). */
    sign: z
      .object({
        /** cosign private key file (password from COSIGN_PASSWORD). */
        key: z.string().min(1).optional(),
        /** KMS key ARN, id, alias or `awskms://` URI. */
        kms: z.string().min(1).optional(),
        /** `HOST:PORT` of a KMS endpoint other than the region's (VPC endpoint). */
        kmsEndpoint: z.string().min(1).optional(),
        /** Upload signatures to the public transparency log (default: offline). */
        tlogUpload: z.boolean().default(false),
      })
      .strict()
      .refine((s) => !(s.key && s.kms), 'give a key file or a KMS key, not both')
      .default({ tlogUpload: false }),
    insecureRegistry: z.boolean().default(false),
    logDir: z.string().min(1).default('.multiarch/logs'),
  })
  .strict();

export type PipelineConfigInput = z.input<typeof pipelineConfigSchema>;
type Parsed = z.output<typeof pipelineConfigSchema>;

/** The effective, frozen configuration: every default applied, registry resolved. */
export interface PipelineConfig extends Omit<Parsed, 'registry' | 'builders'> {
  readonly registry: string;
  /** One entry per built arch (unlisted arches build locally). */
  readonly builders: Readonly<Record<Arch, BuilderSpec>>;
}

/** Paths (dotted) of fields whose values must never be printed or logged. */
export const SECRET_FIELDS: readonly string[] = ['credentials.secretAccessKey', 'credentials.sessionToken'];
