/**
 * What the integration global setup (`test/integration/global-setup.ts`) hands to test
 * files through vitest's `inject()`.
 */
export interface TestImages {
  /** Local tag of the image built for linux/amd64, when built for this run. */
  readonly amd64?: string;
  /** Local tag of the image built for linux/arm64 (emulated here), when built. */
  readonly arm64?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    images: TestImages;
  }
}
