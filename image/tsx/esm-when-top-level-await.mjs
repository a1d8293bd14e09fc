// Module hook loaded by the image's `tsx` command (before tsx's own hooks, so tsx sees our
// answer as Node's). A .ts/.js file with no "type" in reach (a script in /work without a
// package.json) is CommonJS to tsx: imports are rewritten to require(), and top-level
// `await` fails ("not supported with the cjs output format"). Node 24 itself detects ESM
// syntax in such files; tsx does not. So: when the file cannot be CommonJS because it
// awaits at the top level, call it ESM. Everything else keeps tsx's behaviour, so scripts
// that use require(), __dirname or `import` without top-level await run exactly as before.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

// tsx's own esbuild: the same parser that would reject the file, so the two always agree.
const esbuild = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'))('esbuild');
const LOADERS = { '.ts': 'ts', '.tsx': 'tsx', '.js': 'js', '.jsx': 'jsx' };
const CJS_TOP_LEVEL_AWAIT = /Top-level await is currently not supported with the "cjs" output format/;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  // Node leaves format unset only when no package.json decides it ("type" absent).
  if (resolved.format != null || !resolved.url.startsWith('file:') || resolved.url.includes('/node_modules/')) return resolved;
  const path = fileURLToPath(resolved.url);
  const loader = LOADERS[extname(path)];
  if (!loader) return resolved;
  try {
    await esbuild.transform(await readFile(path, 'utf8'), { loader, format: 'cjs', sourcefile: path, logLevel: 'silent' });
    return resolved;
  } catch (error) {
    if (!CJS_TOP_LEVEL_AWAIT.test(String(error?.message))) return resolved; // tsx reports other errors itself
    return { ...resolved, format: loader === 'ts' || loader === 'tsx' ? 'module-typescript' : 'module' };
  }
}
