module.exports = require('../../jest.preset.cjs')(__dirname, {
  displayName: 'client-gen',
  testMatch: ['<rootDir>/**/*.spec.mjs'],
  globalSetup: undefined,
  globalTeardown: undefined,
});
