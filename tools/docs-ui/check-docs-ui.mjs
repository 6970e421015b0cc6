// Opens /api/docs of the built service in a real headless browser (Debian's chromium) and
// checks that Swagger UI renders the contract's operations with no Content-Security-Policy
// violation; saves a screenshot to tmp/docs-ui.png. Run: npm run build && npm run test:docs-ui
// It fails, never skips, when chromium is missing: CI (.ci/run) installs it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const main = join(root, 'dist/apps/api/src/main.js');
const screenshot = join(root, 'tmp/docs-ui.png');

function fail(message) {
  console.error(`docs UI check FAILED: ${message}`);
  process.exitCode = 1;
}

function findChromium() {
  for (const name of [process.env.CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome'].filter(Boolean)) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0) return found.stdout.trim();
  }
  return undefined;
}

function startService(dataDir) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [main], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOST: '127.0.0.1',
        PORT: '0',
        DATABASE_URL: `sqlite:${join(dataDir, 'oc.sqlite')}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolvePromise({ child, baseUrl: match[1] });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the service exited with ${code}:\n${output}`)));
  });
}

function runChromium(chromium, profile, args) {
  return spawnSync(
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
}

const chromium = findChromium();
if (!chromium) {
  fail('no chromium found. Install it (Debian: apt-get install -y chromium) or set CHROMIUM=/path/to/browser.');
} else {
  const work = mkdtempSync(join(tmpdir(), 'oc-numbers-docs-ui-'));
  let service;
  try {
    service = await startService(work);
    const url = `${service.baseUrl}/api/docs`;
    console.log(`docs UI check: ${chromium} on ${url}`);

    const dom = runChromium(chromium, join(work, 'profile-dom'), ['--dump-dom', url]);
    if (dom.status !== 0) throw new Error(`chromium --dump-dom exited with ${dom.status}:\n${dom.stderr}`);
    const html = dom.stdout;
    const expected = [
      ['the API title', 'OC Numbers API'],
      ['the summary operation', 'data-path="/api/v3/oc/numbers/removal-status/summary"'],
      ['its summary line', 'Get the number removal status summary'],
      ['the readiness probe', 'data-path="/health/ready"'],
      ['the schemas', 'RemovalStatusSummary'],
    ];
    for (const [what, text] of expected) {
      if (!html.includes(text)) fail(`the rendered page lacks ${what} (${text})`);
      else console.log(`  ok: the page shows ${what}`);
    }
    const violations = dom.stderr
      .split('\n')
      .filter((line) => /Content[- ]Security[- ]Policy|Refused to (load|execute|apply)/i.test(line));
    if (violations.length > 0) fail(`the browser reported CSP violations:\n${violations.join('\n')}`);
    else console.log('  ok: no Content-Security-Policy violation');

    mkdirSync(join(root, 'tmp'), { recursive: true });
    rmSync(screenshot, { force: true });
    const shot = runChromium(chromium, join(work, 'profile-shot'), [`--screenshot=${screenshot}`, url]);
    if (shot.status !== 0) throw new Error(`chromium --screenshot exited with ${shot.status}:\n${shot.stderr}`);
    const png = readFileSync(screenshot);
    const isPng = png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // A blank page compresses to a few KiB; a rendered Swagger UI is far larger.
    if (!isPng || statSync(screenshot).size < 30_000)
      fail(`the screenshot ${screenshot} looks blank (${png.length} bytes)`);
    else console.log(`  ok: screenshot ${screenshot} (${png.length} bytes)`);
  } catch (error) {
    fail(error.message);
  } finally {
    service?.child.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
  if (!process.exitCode) console.log('docs UI check passed');
}
