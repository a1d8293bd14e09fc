import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './project-paths.js';

let cached: string | undefined;

/** The version in the package's own `package.json`: the one place the version is written. */
export function packageVersion(): string {
  cached ??= (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  return cached;
}
