#!/usr/bin/env node
/* global require, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose: see below */
// Entry point of the installed package (`multiarch`). Runs the bundled CLI
// (dist/cli/multiarch.cjs, `npm run build`) with V8's compiled code kept between runs;
// in a development checkout without a build, the TypeScript sources through tsx.
// CommonJS (bin/package.json) because an ES module entry costs every run Node's ES module
// loader, which nothing here needs.
'use strict';
const { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');

const root = dirname(__dirname);
const bundle = join(root, 'dist', 'cli', 'multiarch.cjs');
const argv = process.argv.slice(2);
const cacheWanted = !process.env.NODE_DISABLE_COMPILE_CACHE;

/**
 * Node 20 has no module.enableCompileCache, so this keeps V8's code cache itself: the
 * bundle runs as a vm.Script whose cachedData is written, after a successful run, to
 * dist/cli/compile-cache/ — next to the code it belongs to, so it is exactly as trusted
 * as the code (no shared temp directory). One cache per verb (its functions are the ones
 * compiled), keyed by the bundle's size and mtime and Node's version; V8 itself rejects a
 * cache that does not match the source, and then it is rewritten. Where the package
 * directory is read-only, runs just compile as usual.
 */
function loadWithCodeCache(file) {
  const { Script } = require('node:vm');
  const stat = statSync(file);
  const verb = argv[0] && /^[a-z][a-z-]*$/.test(argv[0]) ? argv[0] : 'root';
  const cacheDir = join(dirname(file), 'compile-cache');
  const cacheFile = join(cacheDir, `${verb}-${stat.size}-${Math.round(stat.mtimeMs)}-${process.version}-${process.arch}.bin`);
  let cachedData;
  if (cacheWanted) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
  }
  const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const cjsModule = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext().call(cjsModule.exports, cjsModule.exports, Module.createRequire(file), cjsModule, file, dirname(file));
  const saveCache = () => {
    if (!cacheWanted || (cachedData && !script.cachedDataRejected)) return;
    try {
      mkdirSync(cacheDir, { recursive: true });
      const partial = `${cacheFile}.${process.pid}`;
      writeFileSync(partial, script.createCachedData());
      renameSync(partial, cacheFile);
    } catch {
      // read-only install: no cache, nothing lost
    }
  };
  return { cli: cjsModule.exports, saveCache };
}

async function load() {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    // The package's version, without loading the CLI at all (main() answers the same).
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    return { cli: { main: async () => (process.stdout.write(`${version}\n`), 0) }, saveCache: () => undefined };
  }
  if (existsSync(bundle)) {
    if (!Module.enableCompileCache) return loadWithCodeCache(bundle);
    // Node 22.1+: the built-in cache does the same for every module.
    if (cacheWanted) Module.enableCompileCache();
    return { cli: require(bundle), saveCache: () => undefined };
  }
  const { register } = await import('tsx/esm/api');
  register();
  const { pathToFileURL } = require('node:url');
  return { cli: await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href), saveCache: () => undefined };
}

load().then(async ({ cli, saveCache }) => {
  process.exitCode = await cli.main(argv);
  if (process.exitCode === 0) saveCache();
});
