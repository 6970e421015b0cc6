// Opens /api/docs of the built service in a real headless browser (Debian's chromium) and
// checks that Swagger UI renders the contract's operations with no Content-Security-Policy
// violation; saves a screenshot to tmp/docs-ui.png. Run: npm run test:docs-ui
// It fails, never skips, when chromium is missing: CI (.ci/run) installs it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerProcess, startServer, workspacePath } from '@oc-numbers/testing';

const SCREENSHOT = workspacePath('tmp/docs-ui.png');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** What the rendered page must show. */
const EXPECTED = [
  ['the API title', 'OC Numbers API'],
  ['the summary operation', 'data-path="/api/v3/oc/numbers/removal-status/summary"'],
  ['its summary line', 'Get the number removal status summary'],
  ['the readiness probe', 'data-path="/health/ready"'],
  ['the schemas', 'RemovalStatusSummary'],
] as const;

function findChromium(): string | undefined {
  for (const name of [process.env.CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome'].filter(Boolean)) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0) return found.stdout.trim();
  }
  return undefined;
}

function runChromium(chromium: string, profile: string, args: string[]) {
  const run = spawnSync(
    chromium,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--hide-scrollbars',
      '--enable-logging=stderr',
      '--v=0',
      `--user-data-dir=${profile}`,
      '--window-size=1280,1600',
      '--virtual-time-budget=15000',
      ...args,
    ],
    { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
  );
  if (run.status !== 0) throw new Error(`chromium ${args[0]} exited with ${run.status}:\n${run.stderr}`);
  return run;
}

/** The problems found with the page at `url`; prints what holds. */
function checkPage(chromium: string, work: string, url: string): string[] {
  const problems: string[] = [];
  const dom = runChromium(chromium, join(work, 'profile-dom'), ['--dump-dom', url]);
  for (const [what, text] of EXPECTED) {
    if (!dom.stdout.includes(text)) problems.push(`the rendered page lacks ${what} (${text})`);
    else console.log(`  ok: the page shows ${what}`);
  }
  const violations = dom.stderr
    .split('\n')
    .filter((line) => /Content[- ]Security[- ]Policy|Refused to (load|execute|apply)/i.test(line));
  if (violations.length > 0) problems.push(`the browser reported CSP violations:\n${violations.join('\n')}`);
  else console.log('  ok: no Content-Security-Policy violation');

  mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
  rmSync(SCREENSHOT, { force: true });
  runChromium(chromium, join(work, 'profile-shot'), [`--screenshot=${SCREENSHOT}`, url]);
  const png = readFileSync(SCREENSHOT);
  // A blank page compresses to a few KiB; a rendered Swagger UI is far larger.
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE) || png.length < 30_000) {
    problems.push(`the screenshot ${SCREENSHOT} looks blank (${png.length} bytes)`);
  } else {
    console.log(`  ok: screenshot ${SCREENSHOT} (${png.length} bytes)`);
  }
  return problems;
}

async function main(): Promise<string[]> {
  const chromium = findChromium();
  if (!chromium) {
    return ['no chromium found. Install it (Debian: apt-get install -y chromium) or set CHROMIUM=/path/to/browser.'];
  }
  const work = mkdtempSync(join(tmpdir(), 'oc-numbers-docs-ui-'));
  let service: ServerProcess | undefined;
  try {
    service = await startServer({ DATABASE_URL: `sqlite:${join(work, 'oc.sqlite')}` });
    const url = `${service.baseUrl}/api/docs`;
    console.log(`docs UI check: ${chromium} on ${url}`);
    return checkPage(chromium, work, url);
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  } finally {
    await service?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().then((problems) => {
  for (const problem of problems) console.error(`docs UI check FAILED: ${problem}`);
  if (problems.length === 0) console.log('docs UI check passed');
  process.exitCode = problems.length === 0 ? 0 : 1;
});
