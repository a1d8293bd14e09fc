import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { createApp } from '../../bin/app.js';
import type { MultiarchStack } from '../../lib/multiarch-stack.js';
import type { StackConfig } from '../../lib/stack-config.js';

/** Fixed, so templates and snapshots do not depend on the machine or its AWS profile. */
export const TEST_ACCOUNT = '123456789012';
export const TEST_REGION = 'us-east-1';
export const TEST_SOURCE = 'github:example-org/puppeteer-multiarch@main';

export interface SynthResult {
  readonly stack: MultiarchStack;
  readonly config: StackConfig;
  readonly template: Template;
}

/** The feature flags `cdk.json` gives the CLI, so tests synthesize what `cdk synth` does. */
export const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

/** Builds the app exactly as `bin/app.ts` does, with test context instead of `-c` flags. */
export function synthStack(context: Record<string, unknown> = {}): SynthResult {
  const { stack, config } = createApp({
    context: {
      ...CDK_JSON_CONTEXT,
      account: TEST_ACCOUNT,
      region: TEST_REGION,
      source: TEST_SOURCE,
      // No CDKMetadata resource: its payload changes with every aws-cdk-lib release.
      'aws:cdk:version-reporting': false,
      ...context,
    },
  });
  return { stack, config, template: Template.fromStack(stack) };
}

/** CloudFormation JSON, as found in the template; the tests assert its shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CfnJson = any;

type CfnResources = Record<string, { Type: string; Properties?: CfnJson; DependsOn?: unknown }>;

/** The resources of a type, keyed by logical id. */
export function resourcesOfType(template: Template, type: string): CfnResources {
  return template.findResources(type) as CfnResources;
}

/** The one CodeBuild project with this name (fails the test if there is not exactly one). */
export function projectNamed(template: Template, name: string): { id: string; props: CfnJson } {
  const matches = Object.entries(resourcesOfType(template, 'AWS::CodeBuild::Project')).filter(([, r]) => r.Properties?.Name === name);
  if (matches.length !== 1) throw new Error(`expected one CodeBuild project named ${name}, found ${matches.length}`);
  const [id, resource] = matches[0]!;
  return { id, props: resource.Properties as CfnJson };
}

/** `[{Name, Value}]` → `{Name: Value}`, the shape of the original variables table. */
export function variablesOf(props: CfnJson): Record<string, unknown> {
  const list = props.Environment.EnvironmentVariables as { Name: string; Value: unknown; Type: string }[];
  return Object.fromEntries(list.map((v) => [v.Name, v.Value]));
}
