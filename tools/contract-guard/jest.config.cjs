module.exports = require('../../jest.preset.cjs')(__dirname, {
  displayName: 'contract-guard',
  testMatch: ['<rootDir>/**/*.spec.mjs'],
  globalSetup: undefined,
  globalTeardown: undefined,
});
