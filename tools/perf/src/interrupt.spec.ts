import { exitOnInterrupt, onInterrupt } from './interrupt';

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
