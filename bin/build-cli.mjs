#!/usr/bin/env node
// Bundles the CLI into one file, dist/cli/multiarch.cjs, with esbuild (`npm run
// build:cli`, part of `npm run build`); bin/multiarch.js runs it with a V8 code cache.
//
// Why this shape (measured on the registry bench, see bench/results/registry.md):
// - one file instead of ~300 ES modules (or ~20 chunks) resolved and read one by one;
// - CommonJS, because Node 20 can keep V8's compiled code between runs only for scripts
//   (vm.Script cachedData), not for ES modules; with the cache a run compiles nothing;
// - every verb is still loaded lazily: each verb's modules sit in the file behind an
//   init function that runs when the verb is imported, so V8 never compiles the others;
// - big CommonJS dependencies that only long-running verbs use (AWS SDK, classic zod,
//   yaml, pdf-lib, pngjs) stay in node_modules and are required when first used.
import { build } from 'esbuild';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const outdir = join(root, 'dist', 'cli');
const outfile = join(outdir, 'multiarch.cjs');
const external = ['@aws-sdk/*', 'yaml', 'pdf-lib', 'pngjs', 'puppeteer-core', '@cyclonedx/*', 'packageurl-js', 'spdx-expression-parse'];

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  outfile,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.11',
  external,
  // import() of a dependency left external becomes require(): every external above has a
  // CommonJS build, and the code-cache loader need not resolve ES modules.
  supported: { 'dynamic-import': false },
  // project-paths finds the package root from its own location: the bundle's URL, worked
  // out only when asked (pathToFileURL is not free at every start).
  define: { 'import.meta.url': '__multiarchBundle.url' },
  banner: { js: "var __multiarchBundle = { get url() { return require('node:url').pathToFileURL(__filename).href; } };" },
  // Less to read and hash at every start; identifiers kept for readable stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'linked',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [
    {
      // Classic zod (config files) is required from node_modules; the registry path's
      // zod/mini is bundled. Bundled together they would share all of zod's core.
      name: 'classic-zod-external',
      setup(b) {
        b.onResolve({ filter: /^zod$/ }, () => ({ path: 'zod', external: true }));
      },
    },
  ],
});
await writeFile(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
const bytes = result.metafile.outputs[Object.keys(result.metafile.outputs).find((f) => f.endsWith('.cjs')) ?? '']?.bytes ?? 0;
process.stdout.write(`bundled the CLI: ${outfile} (${Math.round(bytes / 1024)} KiB)\n`);
