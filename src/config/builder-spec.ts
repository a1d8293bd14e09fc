import { z } from 'zod';

/**
 * Where one arch is built. `local`: this machine's dockerd (native, or QEMU for a foreign
 * arch); `remote`: another Docker engine (`DOCKER_HOST` form or a Docker context);
 * `codebuild`: the arch's AWS CodeBuild project; with `build`, a build of it that someone else
 * started (Jenkins, a batch) is adopted instead: waited for, its exported digest verified,
 * and published like one of ours.
 */
export type BuilderSpec =
  | { readonly type: 'local' }
  | { readonly type: 'remote'; readonly host?: string; readonly context?: string }
  | { readonly type: 'codebuild'; readonly project?: string; readonly build?: string };

/** A CodeBuild build id: `<project>:<uuid>`. */
const BUILD_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{1,254}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const HOST_PATTERN = /^(unix|tcp|ssh|npipe):\/\/.+/;

export const builderSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('local') }).strict(),
  z
    .object({
      type: z.literal('remote'),
      host: z.string().regex(HOST_PATTERN, 'host must look like unix:///path.sock, tcp://host:port or ssh://user@host').optional(),
      context: z.string().min(1).optional(),
    })
    .strict()
    .refine((v) => Boolean(v.host) !== Boolean(v.context), 'remote builder needs exactly one of host or context'),
  z
    .object({
      type: z.literal('codebuild'),
      project: z.string().min(2).optional(),
      build: z.string().regex(BUILD_ID_PATTERN, 'build must be a CodeBuild build id, <project>:<uuid>').optional(),
    })
    .strict()
    .refine((v) => !v.build || !v.project || v.build.startsWith(`${v.project}:`), 'build belongs to another project than the one named'),
]);

/**
 * The string form used by flags and env: `local`, `remote:<DOCKER_HOST>` (or a bare
 * `ssh://…`/`tcp://…`/`unix://…`), `context:<name>`, `codebuild`, `codebuild:<project>`,
 * `codebuild-build:<build id>` (adopt that build).
 * Objects (config files) pass through untouched for the schema to check.
 */
export function parseBuilderSpec(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text === 'local' || text === 'docker') return { type: 'local' };
  if (text === 'codebuild') return { type: 'codebuild' };
  if (text.startsWith('codebuild-build:')) {
    return { type: 'codebuild', build: text.slice('codebuild-build:'.length) };
  }
  if (text.startsWith('codebuild:')) return { type: 'codebuild', project: text.slice('codebuild:'.length) };
  if (text.startsWith('context:')) return { type: 'remote', context: text.slice('context:'.length) };
  if (text.startsWith('remote:')) return { type: 'remote', host: text.slice('remote:'.length) };
  if (HOST_PATTERN.test(text)) return { type: 'remote', host: text };
  return { type: text };
}

/** Inverse of parseBuilderSpec, for printing. */
export function formatBuilderSpec(spec: BuilderSpec): string {
  switch (spec.type) {
    case 'local':
      return 'local';
    case 'remote':
      return spec.context ? `context:${spec.context}` : `remote:${spec.host ?? ''}`;
    case 'codebuild':
      if (spec.build) return `codebuild-build:${spec.build}`;
      return spec.project ? `codebuild:${spec.project}` : 'codebuild';
  }
}
