import type { Command } from 'commander';

/**
 * Every CLI verb lives in its own file under `src/cli/commands/` and exports
 * `register(program)`; add it to this list with the name it registers. Keep command files
 * thin: parse options, call the library, print.
 *
 * Verbs are loaded by name: a run imports only the module(s) of the verb it runs, so
 * `multiarch index create` does not load the pipeline, the AWS SDK or execa, and
 * `multiarch --version` loads no verb at all. Help and unknown verbs load every one.
 */
interface VerbModule {
  register(program: Command): void;
}

const verbs: ReadonlyArray<{ readonly name: string; readonly load: () => Promise<VerbModule> }> = [
  { name: 'doctor', load: () => import('./doctor.js') },
  { name: 'base', load: () => import('./base.js') },
  { name: 'build', load: () => import('./build.js') },
  { name: 'test', load: () => import('./test.js') },
  { name: 'demo', load: () => import('./demo.js') },
  // `index` has two sub-verbs in two files; both register under the one `index` command
  { name: 'index', load: () => import('./index-create.js') },
  { name: 'index', load: () => import('./index-inspect.js') },
  { name: 'verify', load: () => import('./verify.js') },
  { name: 'pipeline', load: () => import('./pipeline.js') },
  { name: 'config', load: () => import('./config.js') },
];

/** Names of the verbs, in the order help lists them. */
export const verbNames: readonly string[] = [...new Set(verbs.map((v) => v.name))];

/**
 * Which verbs a command line needs: none for `--version`, the named one for `VERB …` and
 * `help VERB`, all of them otherwise (root help, usage errors, unknown verbs, so that
 * commander can list or suggest them).
 */
export function verbsFor(argv: readonly string[]): readonly string[] {
  const [first, second] = argv;
  if (first === '-V' || first === '--version') return [];
  const named = first === 'help' ? second : first;
  return named !== undefined && verbNames.includes(named) ? [named] : verbNames;
}

/** Registers the verbs `argv` needs (every verb without `argv`). */
export async function registerCommands(program: Command, argv?: readonly string[]): Promise<void> {
  const wanted = new Set(argv ? verbsFor(argv) : verbNames);
  const modules = await Promise.all(verbs.filter((v) => wanted.has(v.name)).map((v) => v.load()));
  for (const module of modules) module.register(program);
}
