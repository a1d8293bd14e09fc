import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MultiarchError } from '../../src/errors.js';
import { MultiarchStack } from '../lib/multiarch-stack.js';
import { resolveStackConfig } from '../lib/stack-config.js';
import type { StackConfig, StackConfigInput } from '../lib/stack-config.js';

/** The CDK context keys this app reads (`cdk deploy -c repositoryName=…`). */
export const CONTEXT_KEYS = [
  'account',
  'region',
  'repositoryName',
  'existingRepository',
  'tag',
  'source',
  'batch',
  'schedule',
  'baseImage',
  'baseDigest',
  'logRetentionDays',
] as const;

export interface CreateAppOptions {
  /** Overrides CDK context; what tests pass instead of `-c`. */
  readonly context?: Record<string, unknown>;
  /** The CLI's default account (`CDK_DEFAULT_ACCOUNT`), used when context gives none. */
  readonly defaultAccount?: string | undefined;
  /** The CLI's default region (`CDK_DEFAULT_REGION`: the profile's), used when context gives none. */
  readonly defaultRegion?: string | undefined;
  readonly outdir?: string;
}

/** Builds the app: context → validated config → stack, with the cdk-nag AwsSolutions checks. */
export function createApp(options: CreateAppOptions = {}): { app: App; stack: MultiarchStack; config: StackConfig } {
  const app = new App({ context: options.context, ...(options.outdir ? { outdir: options.outdir } : {}) });
  const read = (key: (typeof CONTEXT_KEYS)[number]): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    return value === undefined || value === null ? undefined : String(value);
  };
  const input: StackConfigInput = {
    account: read('account') ?? options.defaultAccount,
    region: read('region') ?? options.defaultRegion,
    repositoryName: read('repositoryName'),
    existingRepository: read('existingRepository'),
    tag: read('tag'),
    source: read('source'),
    batch: read('batch'),
    schedule: read('schedule'),
    baseImage: read('baseImage'),
    baseDigest: read('baseDigest'),
    logRetentionDays: read('logRetentionDays'),
  };
  const config = resolveStackConfig(input);
  const stack = new MultiarchStack(app, 'MultiarchStack', {
    config,
    env: { account: config.account, region: config.region },
    description: `Multi-arch image pipeline for ${config.repositoryName}: ECR repository and CodeBuild projects`,
  });
  // cdk-nag 3 is a policy-validation plugin: synth fails on an unacknowledged error.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack, config };
}

/**
 * Whether this module is the program being run (`cdk.json` runs it) rather than imported by
 * a test. Compared as file paths, not URLs: the URL percent-encodes a space (or any other
 * special character) that argv keeps as is, and argv may name a symlink.
 */
export function isMainModule(moduleUrl: string, argv1: string | undefined): boolean {
  if (!argv1) return false;
  const real = (path: string): string => {
    try {
      return realpathSync(path);
    } catch {
      return path;
    }
  };
  return real(fileURLToPath(moduleUrl)) === real(resolve(argv1));
}

// Bad context is the user's input: one line and a non-zero exit, no stack trace.
if (isMainModule(import.meta.url, process.argv[1])) {
  try {
    createApp({ defaultAccount: process.env.CDK_DEFAULT_ACCOUNT, defaultRegion: process.env.CDK_DEFAULT_REGION }).app.synth();
  } catch (error) {
    if (!(error instanceof MultiarchError)) throw error;
    console.error(`infra: ${error.message}`);
    process.exitCode = 1;
  }
}
