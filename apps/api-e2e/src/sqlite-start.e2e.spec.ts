import { type RunOptions, runToExit, startServer } from '@oc-numbers/testing';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Root passes every permission check, so as root the service runs as `nobody` here, to meet
// the file modes as a deployment's service user would.
const asServiceUser: RunOptions = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

describe('starting on a SQLite file the service cannot use', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'oc-numbers-sqlite-start-'));
    chmodSync(dir, 0o777);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A fresh, world-writable folder for one case. */
  function folder(name: string): string {
    const path = join(dir, name);
    mkdirSync(path);
    chmodSync(path, 0o777);
    return path;
  }

  async function expectStopWith(env: Record<string, string>, message: string): Promise<void> {
    const { code, output } = await runToExit(env, asServiceUser);
    expect(output).toContain('OC Numbers could not start');
    expect(output).toContain(message);
    expect(code).toBe(1);
  }

  it('starts on a new file in a writable folder (the control case)', async () => {
    const path = join(folder('fresh'), 'oc.sqlite');
    const server = await startServer({ DATABASE_URL: `sqlite:${path}` }, asServiceUser);
    expect((await fetch(`${server.baseUrl}/health/ready`)).status).toBe(200);
    expect(await server.stop()).toBe(0);
  });

  it('stops when the file is missing and migrations are off', async () => {
    const path = join(folder('missing'), 'oc.sqlite');
    await expectStopWith(
      { DATABASE_URL: `sqlite:${path}`, MIGRATIONS_RUN: 'false' },
      `The SQLite database ${path} does not exist, and MIGRATIONS_RUN=false: nothing would create it.`,
    );
  });

  it('stops when the file cannot be read', async () => {
    const path = join(folder('unreadable'), 'oc.sqlite');
    writeFileSync(path, '');
    chmodSync(path, 0o000);
    await expectStopWith(
      { DATABASE_URL: `sqlite:${path}` },
      `The SQLite database ${path} cannot be read by this process: check its owner and mode.`,
    );
  });

  it('stops when the file is read-only', async () => {
    const path = join(folder('read-only'), 'oc.sqlite');
    writeFileSync(path, '');
    chmodSync(path, 0o444);
    await expectStopWith(
      { DATABASE_URL: `sqlite:${path}` },
      `The SQLite database ${path} is read-only for this process`,
    );
  });

  it('stops when the file is not a SQLite database', async () => {
    const path = join(folder('garbage'), 'oc.sqlite');
    writeFileSync(path, 'this is not a database, only a text file that is long enough to have a header');
    chmodSync(path, 0o666);
    await expectStopWith(
      { DATABASE_URL: `sqlite:${path}` },
      `The file ${path} is not a usable SQLite database: file is not a database.`,
    );
  });

  it('stops when the path is a folder', async () => {
    const path = folder('a-folder');
    await expectStopWith({ DATABASE_URL: `sqlite:${path}` }, `The SQLite database ${path} is a folder, not a file.`);
  });
});
