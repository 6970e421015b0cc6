module.exports = require('../../jest.preset.cjs')(__dirname, { displayName: 'api-e2e' });
