module.exports = require('../../jest.preset.cjs')(__dirname, {
  displayName: 'settings-docs',
  testMatch: ['<rootDir>/**/*.spec.mjs'],
  globalSetup: undefined,
  globalTeardown: undefined,
});
