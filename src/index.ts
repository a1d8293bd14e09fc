/** Library entry point: the same operations the `multiarch` CLI runs. */
export * from './errors.js';
export * from './arch.js';
export type { Builder, BuildRequest, BuildResult } from './build/builder.js';
