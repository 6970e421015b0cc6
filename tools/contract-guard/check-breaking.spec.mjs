import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'check-breaking.mjs');

/** Runs the command as `npm run check:breaking -- …` does. */
function checkBreaking(...args) {
  const { status, stdout, stderr } = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });
  return { status, stdout, stderr };
}

describe('npm run check:breaking', () => {
  it.each([['--help'], ['-h']])('prints its usage with %s and exits 0', (flag) => {
    const run = checkBreaking(flag);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: npm run check:breaking \[-- --base REF\]\n/);
    expect(run.stdout).toContain('--base REF');
    expect(run.stderr).toBe('');
  });

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['--base'], "Option '--base <value>' argument missing"],
    [['main'], "Unexpected argument 'main'"],
    [['--base='], '--base needs a git ref'],
  ])('exits 2 with the usage on %j', (args, message) => {
    const run = checkBreaking(...args);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`check:breaking: ${message}`);
    expect(run.stderr).toContain('Usage: npm run check:breaking');
    expect(run.stdout).toBe('');
  });

  it('exits 2 naming a base that is not a git ref', () => {
    const run = checkBreaking('--base', 'no-such-ref-anywhere');
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('check:breaking: no-such-ref-anywhere is not a branch, tag or commit of this repository\n');
  });
});
