import { defineConfig } from 'vitest/config';

// Two projects: `unit` is pure and fast (no Docker, no network beyond loopback servers the
// test starts itself); `integration` drives the real dockerd, registry and Chromium and
// shares the images built once in the global setup.
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
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'image/runtime/test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 1_800_000,
        },
      },
    ],
  },
});
