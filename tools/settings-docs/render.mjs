// Renders the service's settings table (apps/api/src/config/settings.ts, as settingDocs() lists
// it) as .env.example and as the settings table of the documentation.

export const START_MARKER = '<!-- settings:start -->';
export const END_MARKER = '<!-- settings:end -->';

const ENV_HEADER = [
  'OC Numbers settings: every one, with its default. The service reads its environment (it does not',
  'load this file itself): export them, or give them to your process manager or container. Every',
  'value is checked at start; a bad one stops the service with a message naming it.',
  'Generated from apps/api/src/config/settings.ts by `npm run generate`: do not edit it by hand.',
];

/** @typedef {{ name: string, group: string, default?: string, unset?: string, accepts: string, meaning: string }} SettingDoc */

const plain = (text) => text.replace(/`/g, '');

/** Words of `text` as comment lines of at most `width` characters. */
function comment(text, width = 100) {
  const lines = [];
  let line = '#';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length + 1 + word.length > width && line !== '#') {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  if (line !== '#') lines.push(line);
  return lines;
}

/** @param {SettingDoc} setting */
function description(setting) {
  const unset = setting.unset === undefined ? '' : ` Unset: ${setting.unset}.`;
  return `${setting.meaning}.${unset} Accepts ${setting.accepts}.`;
}

/** .env.example: every setting with its default, under its group, each with what it means. */
export function renderEnvExample(/** @type {SettingDoc[]} */ settings) {
  const lines = ENV_HEADER.flatMap((text) => comment(plain(text)));
  let group;
  for (const setting of settings) {
    if (setting.group !== group) {
      group = setting.group;
      lines.push('', `# ${group}.`);
    }
    lines.push(...comment(plain(description(setting))), `${setting.name}=${setting.default ?? ''}`);
  }
  return `${lines.join('\n')}\n`;
}

const cell = (text) => text.replace(/\|/g, '\\|');

/** The settings table of the documentation, between its markers (Prettier aligns it). */
export function renderSettingsTable(/** @type {SettingDoc[]} */ settings) {
  const rows = settings.map((setting) => {
    const byDefault = setting.default === undefined ? `unset: ${setting.unset}` : `\`${setting.default}\``;
    return `| \`${setting.name}\` | ${cell(byDefault)} | ${cell(setting.accepts)} | ${cell(setting.meaning)} |`;
  });
  return ['| variable | default | accepts | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/**
 * `markdown` with the text between its settings markers replaced by `block`; undefined when it
 * has no markers. Throws when the markers are not one start followed by one end.
 */
export function replaceSettingsBlock(/** @type {string} */ markdown, /** @type {string} */ block) {
  const starts = markdown.split(START_MARKER).length - 1;
  const ends = markdown.split(END_MARKER).length - 1;
  if (starts === 0 && ends === 0) return undefined;
  const start = markdown.indexOf(START_MARKER);
  const end = markdown.indexOf(END_MARKER);
  if (starts !== 1 || ends !== 1 || end < start) {
    throw new Error(`expected one ${START_MARKER} followed by one ${END_MARKER}`);
  }
  return `${markdown.slice(0, start + START_MARKER.length)}\n\n${block}\n\n${markdown.slice(end)}`;
}
