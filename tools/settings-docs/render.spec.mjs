import { END_MARKER, renderEnvExample, renderSettingsTable, replaceSettingsBlock, START_MARKER } from './render.mjs';

const SETTINGS = [
  { name: 'PORT', group: 'Network', default: '3000', accepts: '0..65535', meaning: 'The port (`0`: any)' },
  {
    name: 'CORS_ORIGINS',
    group: 'Network',
    unset: 'CORS off',
    accepts: 'origins | `*`',
    meaning: 'Browser origins allowed to call the API, comma-separated; a long sentence that must wrap. '
      .repeat(2)
      .trim(),
  },
  {
    name: 'LOG_LEVEL',
    group: 'Logs',
    default: 'info',
    accepts: '`info` or `debug`',
    meaning: 'The least severe lines',
  },
];

describe('renderEnvExample', () => {
  const text = renderEnvExample(SETTINGS);
  const lines = text.split('\n');

  it('writes each setting with its default under its group, unset ones empty', () => {
    expect(lines.filter((line) => !line.startsWith('#') && line !== '')).toEqual([
      'PORT=3000',
      'CORS_ORIGINS=',
      'LOG_LEVEL=info',
    ]);
    expect(lines.indexOf('# Network.')).toBeLessThan(lines.indexOf('PORT=3000'));
    expect(lines.indexOf('# Logs.')).toBeGreaterThan(lines.indexOf('CORS_ORIGINS='));
    expect(lines.indexOf('# Logs.')).toBeLessThan(lines.indexOf('LOG_LEVEL=info'));
  });

  it('says what each means, what it accepts and what unset means, in comments of 100 characters at most', () => {
    expect(text).toContain('# The port (0: any). Accepts 0..65535.\nPORT=3000');
    expect(text.replace(/\n# /g, ' ')).toMatch(/Unset: CORS off\. Accepts origins \| \*\.\nCORS_ORIGINS=/);
    expect(text).not.toContain('`');
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(100);
  });
});

describe('renderSettingsTable', () => {
  it('has a row per setting: its default or what unset means, what it accepts, what it means', () => {
    expect(renderSettingsTable(SETTINGS).split('\n')).toEqual([
      '| variable | default | accepts | meaning |',
      '| --- | --- | --- | --- |',
      '| `PORT` | `3000` | 0..65535 | The port (`0`: any) |',
      `| \`CORS_ORIGINS\` | unset: CORS off | origins \\| \`*\` | ${SETTINGS[1].meaning} |`,
      '| `LOG_LEVEL` | `info` | `info` or `debug` | The least severe lines |',
    ]);
  });
});

describe('replaceSettingsBlock', () => {
  it('replaces what stands between the markers and keeps the rest', () => {
    const markdown = `# Title\n\nBefore.\n\n${START_MARKER}\nold table\n${END_MARKER}\n\nAfter.\n`;
    expect(replaceSettingsBlock(markdown, 'new table')).toBe(
      `# Title\n\nBefore.\n\n${START_MARKER}\n\nnew table\n\n${END_MARKER}\n\nAfter.\n`,
    );
  });

  it('leaves a file without markers alone', () => {
    expect(replaceSettingsBlock('# Nothing here\n', 'table')).toBeUndefined();
  });

  it.each([
    ['a start without an end', `${START_MARKER}\n`],
    ['an end before the start', `${END_MARKER}\n${START_MARKER}\n`],
    ['two blocks', `${START_MARKER}\n${END_MARKER}\n${START_MARKER}\n${END_MARKER}\n`],
  ])('refuses %s', (_name, markdown) => {
    expect(() => replaceSettingsBlock(markdown, 'table')).toThrow(/expected one/);
  });
});
