import { SingleFlight } from './single-flight';

/** A read whose end the test decides. */
function controlledReads() {
  const started: Array<{ resolve: (value: number) => void; reject: (error: Error) => void }> = [];
  const read = () =>
    new Promise<number>((resolve, reject) => {
      started.push({ resolve, reject });
    });
  return { started, read };
}

describe('SingleFlight', () => {
  it('starts a read at once when none runs for the key', async () => {
    const flight = new SingleFlight<string, number>();
    const { started, read } = controlledReads();
    const answer = flight.run('a', read);
    expect(started).toHaveLength(1);
    started[0].resolve(1);
    await expect(answer).resolves.toBe(1);
    expect(flight.size).toBe(0);
  });

  it('never answers a caller with a read that started before it arrived', async () => {
    const flight = new SingleFlight<string, number>();
    const { started, read } = controlledReads();
    const first = flight.run('a', read);
    // Arrive while the first read runs: wait for it, then share the next one.
    const second = flight.run('a', read);
    const third = flight.run('a', read);
    expect(started).toHaveLength(1);
    started[0].resolve(1);
    await expect(first).resolves.toBe(1);
    expect(started).toHaveLength(2);
    started[1].resolve(2);
    await expect(second).resolves.toBe(2);
    await expect(third).resolves.toBe(2);
    expect(started).toHaveLength(2);
  });

  it('runs one read at a time per key, and keys independently', async () => {
    const flight = new SingleFlight<string, number>();
    const { started, read } = controlledReads();
    const a = flight.run('a', read);
    const b = flight.run('b', read);
    expect(started).toHaveLength(2);
    expect(flight.size).toBe(2);
    started[1].resolve(20);
    started[0].resolve(10);
    await expect(a).resolves.toBe(10);
    await expect(b).resolves.toBe(20);
  });

  it('gives a failure to the callers of that read only', async () => {
    const flight = new SingleFlight<string, number>();
    const { started, read } = controlledReads();
    const failed = flight.run('a', read);
    const next = flight.run('a', read);
    started[0].reject(new Error('connection lost'));
    await expect(failed).rejects.toThrow('connection lost');
    started[1].resolve(3);
    await expect(next).resolves.toBe(3);
  });

  it('treats a read that throws at once as a failed read', async () => {
    const flight = new SingleFlight<string, number>();
    await expect(
      flight.run('a', () => {
        throw new Error('no connection');
      }),
    ).rejects.toThrow('no connection');
    await expect(flight.run('a', async () => 4)).resolves.toBe(4);
  });
});
