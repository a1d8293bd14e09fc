/**
 * The zod build the registry path validates with: `zod/mini` with English messages;
 * import it as a namespace (`import * as z from './schema-kit.js'`). Every `multiarch
 * index`/`verify` run parses manifests and configs, and the classic zod build costs that
 * short CLI run ~30 ms of start-up (500 KiB to load) where mini, tree-shaken in the
 * bundle, costs a few; the checks are the same. Config files keep classic zod.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
// Interpreted checks: zod would otherwise compile each object schema with new Function on
// its first parse, which a run that parses a handful of manifests never earns back (and
// which no code cache can keep).
config({ jitless: true });

export * from 'zod/mini';
