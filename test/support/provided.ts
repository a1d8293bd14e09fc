/**
 * What the integration global setup (`test/integration/global-setup.ts`) hands to test
 * files through vitest's `inject()`.
 */
export interface TestImages {
  /** Image ID (sha256:…) of the image built for linux/amd64 this run; never a tag another run can move. */
  readonly amd64?: string;
  /** Image ID of the image built for linux/arm64 (emulated here) this run. */
  readonly arm64?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    images: TestImages;
  }
}
