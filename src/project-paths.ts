import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root, found by walking up from this module, so paths work the same from
 * `src/` under tsx and from `dist/src/` when compiled or installed from npm.
 */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === 'puppeteer-multiarch') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the puppeteer-multiarch package root');
    dir = parent;
  }
}

export function imageDir(): string {
  return join(projectRoot(), 'image');
}

export function smokeTestDir(): string {
  return join(imageDir(), 'smoke');
}

/** Default state directory (registry data, base tarballs, logs): `<project>/.multiarch`. */
export function defaultStateDir(): string {
  return join(projectRoot(), '.multiarch');
}
