import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * The subset of the CodeBuild buildspec 0.2 format this project writes, as a zod schema:
 * strict where a typo would silently change behaviour (unknown phase or key names are
 * rejected, as CodeBuild rejects them), loose where the value is opaque to us
 * (artifacts, cache, reports). Reference: the CodeBuild "Build specification reference"
 * and "Batch build buildspec reference".
 */

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** CodeBuild rejects other characters in batch identifiers (BATCH_SPEC_VALIDATION_ERROR). */
const BATCH_IDENTIFIER = /^[A-Za-z0-9_]{1,127}$/;

const envName = z.string().regex(ENV_NAME, 'not a valid environment variable name');
const scalar = z.union([z.string(), z.number(), z.boolean()]);
const commands = z.array(z.string().min(1, 'empty command'));

/** ABORT (default) | CONTINUE, and the newer RETRY[-count][-regex] forms. */
export const onFailureSchema = z.union([z.enum(['ABORT', 'CONTINUE']), z.string().regex(/^RETRY(-\d+)?(-.+)?$/)]);

export const phaseSchema = z
  .object({
    'run-as': z.string().optional(),
    'on-failure': onFailureSchema.optional(),
    'runtime-versions': z.record(z.string(), scalar).optional(),
    commands: commands.optional(),
    finally: commands.optional(),
  })
  .strict();

export const PHASE_NAMES = ['install', 'pre_build', 'build', 'post_build'] as const;
export type PhaseName = (typeof PHASE_NAMES)[number];

export const envSchema = z
  .object({
    shell: z.enum(['bash', '/bin/sh', 'sh', 'powershell.exe', 'cmd.exe', 'pwsh.exe']).optional(),
    variables: z.record(envName, scalar).optional(),
    'parameter-store': z.record(envName, z.string().min(1)).optional(),
    // secret-id[:json-key[:version-stage[:version-id]]]; a full ARN has colons of its own.
    'secrets-manager': z.record(envName, z.string().min(1)).optional(),
    'exported-variables': z.array(envName).optional(),
    'git-credential-helper': z.enum(['yes', 'no']).optional(),
  })
  .strict();

const batchEnvSchema = z
  .object({
    type: z
      .enum(['LINUX_CONTAINER', 'LINUX_GPU_CONTAINER', 'ARM_CONTAINER', 'WINDOWS_SERVER_2019_CONTAINER', 'WINDOWS_SERVER_2022_CONTAINER', 'LINUX_LAMBDA_CONTAINER', 'ARM_LAMBDA_CONTAINER', 'LINUX_EC2', 'ARM_EC2'])
      .optional(),
    image: z.string().min(1).optional(),
    'compute-type': z.string().regex(/^[A-Z0-9_]+$/).optional(),
    'privileged-mode': z.boolean().optional(),
    variables: z.record(envName, scalar).optional(),
    fleet: z.string().optional(),
  })
  .strict();

export const buildGraphEntrySchema = z
  .object({
    identifier: z.string().regex(BATCH_IDENTIFIER, 'identifiers may contain only letters, digits and _ (max 127)'),
    buildspec: z.string().min(1).optional(),
    'debug-session': z.boolean().optional(),
    'depend-on': z.array(z.string()).optional(),
    env: batchEnvSchema.optional(),
    'ignore-failure': z.boolean().optional(),
  })
  .strict();

export const batchSchema = z
  .object({
    'fast-fail': z.boolean().optional(),
    'build-graph': z.array(buildGraphEntrySchema).min(1),
  })
  .strict()
  .superRefine((batch, ctx) => {
    const ids = new Set<string>();
    for (const entry of batch['build-graph']) {
      if (ids.has(entry.identifier)) ctx.addIssue({ code: 'custom', message: `duplicate build-graph identifier "${entry.identifier}"` });
      ids.add(entry.identifier);
    }
    for (const entry of batch['build-graph']) {
      for (const dependency of entry['depend-on'] ?? []) {
        if (!ids.has(dependency)) ctx.addIssue({ code: 'custom', message: `"${entry.identifier}" depends on unknown "${dependency}"` });
        if (dependency === entry.identifier) ctx.addIssue({ code: 'custom', message: `"${entry.identifier}" depends on itself` });
      }
    }
  });

export const buildspecSchema = z
  .object({
    version: z.union([z.literal(0.2), z.literal('0.2')]),
    'run-as': z.string().optional(),
    proxy: z.record(z.string(), z.unknown()).optional(),
    env: envSchema.optional(),
    batch: batchSchema.optional(),
    phases: z.object(Object.fromEntries(PHASE_NAMES.map((name) => [name, phaseSchema.optional()])) as Record<PhaseName, z.ZodOptional<typeof phaseSchema>>).strict(),
    reports: z.record(z.string(), z.unknown()).optional(),
    artifacts: z.record(z.string(), z.unknown()).optional(),
    cache: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export type Buildspec = z.infer<typeof buildspecSchema>;
export type BuildspecPhase = z.infer<typeof phaseSchema>;

/** Parses and validates buildspec YAML text; throws with every issue listed. */
export function parseBuildspec(text: string, origin = 'buildspec'): Buildspec {
  const result = buildspecSchema.safeParse(parse(text));
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(`${origin} is not a valid buildspec: ${issues.join('; ')}`);
  }
  return result.data;
}

export async function readBuildspec(path: string): Promise<Buildspec> {
  return parseBuildspec(await readFile(path, 'utf8'), path);
}
