// Shared Jest settings. NestJS 12 is ESM-only, so tests run as native ES modules
// (NODE_OPTIONS=--experimental-vm-modules, set by the `test` target) compiled by swc,
// which keeps decorator metadata for Nest's injection and the ValidationPipe.
const path = require('node:path');

const root = __dirname;

/** @param {string} projectRoot @param {import('jest').Config} overrides */
module.exports = function jestConfig(projectRoot, overrides = {}) {
  return {
    rootDir: projectRoot,
    testEnvironment: 'node',
    extensionsToTreatAsEsm: ['.ts'],
    moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: {
            parser: { syntax: 'typescript', decorators: true },
            target: 'es2022',
            transform: { legacyDecorator: true, decoratorMetadata: true },
            keepClassNames: true,
          },
          module: { type: 'es6' },
          sourceMaps: 'inline',
        },
      ],
    },
    moduleNameMapper: {
      '^@oc-numbers/contracts$': path.join(root, 'libs/contracts/src/index.ts'),
      '^@oc-numbers/client$': path.join(root, 'libs/client/src/index.ts'),
      '^@oc-numbers/testing$': path.join(root, 'libs/testing/src/index.ts'),
    },
    testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
    globalSetup: path.join(root, 'libs/testing/src/postgres-global-setup.ts'),
    globalTeardown: path.join(root, 'libs/testing/src/postgres-global-teardown.ts'),
    testTimeout: 30000,
    ...overrides,
  };
};
