import type { Command } from 'commander';
import { register as registerBase } from './base.js';
import { register as registerBuild } from './build.js';
import { register as registerDemo } from './demo.js';
import { register as registerDoctor } from './doctor.js';
import { register as registerTest } from './test.js';
import { register as registerPipeline } from './pipeline.js';
import { register as registerConfig } from './config.js';
import { register as registerIndexCreate } from './index-create.js';
import { register as registerIndexInspect } from './index-inspect.js';
import { register as registerVerify } from './verify.js';

/**
 * Every CLI verb lives in its own file under `src/cli/commands/` and exports
 * `register(program)`; add it to this list. Keep command files thin: parse options, call
 * the library, print.
 */
type Registrar = (program: Command) => void;

const registrars: Registrar[] = [registerDoctor, registerBase, registerBuild, registerTest, registerDemo, registerIndexCreate, registerIndexInspect, registerVerify, registerPipeline, registerConfig];

export function registerCommands(program: Command): void {
  for (const register of registrars) register(program);
}
