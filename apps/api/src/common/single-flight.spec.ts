import { Deadline, DeadlineExceededError } from './deadline';
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

  describe('with deadlines', () => {
    it('gives up on a stuck read at the caller’s deadline, while the read goes on for its other callers', async () => {
      const flight = new SingleFlight<string, number>();
      const { started, read } = controlledReads();
      const patient = flight.run('a', read);
      const hurried = flight.run('a', read, Deadline.after(20));
      await expect(hurried).rejects.toBeInstanceOf(DeadlineExceededError);
      // The hurried caller waited for the next read, which has not started: it is given up too.
      started[0].resolve(1);
      await expect(patient).resolves.toBe(1);
      expect(started).toHaveLength(1);
      expect(flight.size).toBe(0);
      expect(flight.waitingSize).toBe(0);
    });

    it('bounds the wait for a stuck running read and for the next one by one deadline', async () => {
      const flight = new SingleFlight<string, number>();
      const { started, read } = controlledReads();
      void flight.run('a', read).catch(() => undefined);
      const waiting = flight.run('a', read, Deadline.after(60));
      // The running read ends in time, the next one (shared by the waiting caller) is stuck.
      started[0].reject(new Error('statement timeout'));
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(started).toHaveLength(2);
      await expect(waiting).rejects.toBeInstanceOf(DeadlineExceededError);
      started[1].resolve(2);
    });

    it('still starts the next read for the callers that wait, and only once', async () => {
      const flight = new SingleFlight<string, number>();
      const { started, read } = controlledReads();
      const first = flight.run('a', read);
      const hurried = flight.run('a', read, Deadline.after(10));
      const patient = flight.run('a', read, Deadline.after(60_000));
      await expect(hurried).rejects.toBeInstanceOf(DeadlineExceededError);
      started[0].resolve(1);
      await expect(first).resolves.toBe(1);
      expect(started).toHaveLength(2);
      started[1].resolve(2);
      await expect(patient).resolves.toBe(2);
    });

    it('answers within the deadline a caller that started a stuck read itself', async () => {
      const flight = new SingleFlight<string, number>();
      const { started, read } = controlledReads();
      await expect(flight.run('a', read, Deadline.after(10))).rejects.toBeInstanceOf(DeadlineExceededError);
      // The read still runs: a later caller waits for it and shares the next one.
      const later = flight.run('a', read);
      started[0].resolve(1);
      await new Promise((resolve) => setTimeout(resolve, 0));
      started[1].resolve(2);
      await expect(later).resolves.toBe(2);
    });

    it('answers with the read when it ends in time, and leaves no timer behind', async () => {
      const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
      const before = timers();
      const flight = new SingleFlight<string, number>();
      const { started, read } = controlledReads();
      const first = flight.run('a', read, Deadline.after(60_000));
      const second = flight.run('a', read, Deadline.after(60_000));
      expect(timers()).toBe(before + 2);
      started[0].resolve(7);
      await expect(first).resolves.toBe(7);
      started[1].resolve(8);
      await expect(second).resolves.toBe(8);
      expect(timers()).toBe(before);
    });

    it('counts the callers that share a read another asked for', async () => {
      let shared = 0;
      const flight = new SingleFlight<string, number>({ onShared: () => shared++ });
      const { started, read } = controlledReads();
      const answers = [flight.run('a', read), flight.run('a', read), flight.run('a', read), flight.run('a', read)];
      started[0].resolve(1);
      await answers[0];
      started[1].resolve(2);
      await Promise.all(answers);
      // The first started a read, the second asked for the next one, which the last two shared.
      expect(shared).toBe(2);
    });
  });
});
