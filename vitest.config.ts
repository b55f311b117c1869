import { defineConfig } from 'vitest/config';

// The engine is isomorphic TypeScript; its unit and integration tests run in Node.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
    // Resolves (and, for the bundled build, unpacks) the browser tests' Chromium once per run.
    globalSetup: ['tests/browser/chromium-setup.ts'],
  },
});
