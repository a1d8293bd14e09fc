import type { Command } from 'commander';

/**
 * Every CLI verb lives in its own file under `src/cli/commands/` and exports
 * `register(program)`; add it to this list. Keep command files thin: parse options, call
 * the library, print.
 */
type Registrar = (program: Command) => void;

const registrars: Registrar[] = [];

export function registerCommands(program: Command): void {
  for (const register of registrars) register(program);
}
