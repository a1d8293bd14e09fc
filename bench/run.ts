/**
 * `npm run bench`: every benchmark in turn, each writing bench/results/<area>.md with our
 * figures beside the reference tool's from the same run. Pass names to run a subset:
 * `npm run bench -- registry runtime`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { projectRoot } from '../src/project-paths.js';

const all = ['registry', 'runtime', 'pipeline', 'image'];
const selected = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = selected.length > 0 ? selected : all;
let failed = 0;
for (const name of names) {
  const script = join(projectRoot(), 'bench', `${name}.ts`);
  if (!existsSync(script)) {
    process.stderr.write(`bench: no ${name}.ts, skipped\n`);
    continue;
  }
  process.stderr.write(`\n=== bench ${name} ===\n`);
  const result = await execa('npx', ['tsx', script], { stdio: 'inherit', reject: false, cwd: projectRoot() });
  if (result.exitCode !== 0) {
    failed += 1;
    process.stderr.write(`bench ${name} failed (exit ${result.exitCode})\n`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
