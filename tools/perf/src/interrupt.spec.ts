import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitOnInterrupt, onInterrupt } from './interrupt';
import { type BenchServer, spawnService } from './processes';

describe('exitOnInterrupt', () => {
  it('on SIGTERM or SIGINT, undoes what is still registered, then exits with the status of the signal', async () => {
    const listeners = new Map<string, () => void>();
    const events: string[] = [];
    let exited!: (code: number) => void;
    const exit = new Promise<number>((resolve) => (exited = resolve));
    exitOnInterrupt({
      on: (signal, listener) => listeners.set(signal, listener),
      exit: (code) => {
        events.push(`exit ${code}`);
        exited(code);
      },
      err: { write: (text: string) => events.push(text.trim()) },
    });
    expect([...listeners.keys()]).toEqual(['SIGINT', 'SIGTERM']);

    let stopServer!: () => void;
    onInterrupt(
      () =>
        new Promise<void>((resolve) => {
          events.push('stopping the server');
          stopServer = () => {
            events.push('server stopped');
            resolve();
          };
        }),
    );
    const forget = onInterrupt(async () => events.push('stopping a server already stopped'));
    forget();
    onInterrupt(() => Promise.reject(new Error('already gone')));

    listeners.get('SIGTERM')?.();
    await new Promise((resolve) => setImmediate(resolve));
    // Not before the server has stopped.
    expect(events).toEqual(['SIGTERM: stopping what this command started', 'stopping the server']);
    stopServer();
    await expect(exit).resolves.toBe(143);
    expect(events).toEqual([
      'SIGTERM: stopping what this command started',
      'stopping the server',
      'server stopped',
      'exit 143',
    ]);
  });
});

describe('an interrupted command and the services it started', () => {
  /** Whether a process of that id is still there (signal 0 only checks). */
  const running = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('stops a service that spawnService started before it exits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oc-numbers-interrupt-'));
    let server: BenchServer | undefined;
    try {
      server = await spawnService({ DATABASE_URL: `sqlite:${join(dir, 'numbers.sqlite')}`, LOG_LEVEL: 'silent' });
      expect(server.pid).toBeGreaterThan(0);
      expect(running(server.pid)).toBe(true);
      const listeners = new Map<string, () => void>();
      let exited!: (code: number) => void;
      const exit = new Promise<number>((resolve) => (exited = resolve));
      exitOnInterrupt({
        on: (signal, listener) => listeners.set(signal, listener),
        exit: exited,
        err: { write: () => true },
      });

      listeners.get('SIGINT')?.();
      await expect(exit).resolves.toBe(130);
      // The service was stopped, not left behind, by the time the command exits.
      expect(running(server.pid)).toBe(false);
      // Stopping it again, as the command's own end would, finds it stopped (it ended well on SIGTERM).
      await expect(server.stop()).resolves.toBe(0);
    } finally {
      // Where the interrupt left it running, the test does not leave it behind either.
      if (server && running(server.pid)) await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
