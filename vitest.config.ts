import { defineConfig } from 'vitest/config';

// Three projects: `unit` is pure and fast (no Docker, no network beyond loopback servers the
// test starts itself); `registry` talks to real registries on loopback and needs no image,
// so it never waits for the image build; `integration` drives the real dockerd, registry
// and Chromium and shares the images built once in the global setup.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'image/runtime/test/unit/**/*.test.ts', 'infra/test/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'registry',
          include: ['test/integration/registry/**/*.test.ts'],
          testTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'image/runtime/test/integration/**/*.test.ts'],
          exclude: ['test/integration/registry/**'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 1_800_000,
        },
      },
    ],
  },
});
