import { TurnBatch } from './turn-batch';

/** Resolves once the event loop has gone round: every `setImmediate` queued before has run. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TurnBatch', () => {
  it('runs nothing while the turn lasts, then one read per key for all its callers', async () => {
    let shared = 0;
    const batch = new TurnBatch<string, number>({ onShared: () => shared++ });
    const reads: string[] = [];
    const read = (key: string, value: number) => async () => {
      reads.push(key);
      return value;
    };
    const answers = [batch.run('a', read('a', 1)), batch.run('b', read('b', 2)), batch.run('a', read('a', 9))];
    expect(reads).toEqual([]);
    expect(batch.size).toBe(2);
    await expect(Promise.all(answers)).resolves.toEqual([1, 2, 1]);
    expect(reads).toEqual(['a', 'b']);
    expect(shared).toBe(1);
    expect(batch.size).toBe(0);
  });

  it('never answers a caller with a read that started before it asked', async () => {
    const batch = new TurnBatch<string, number>();
    let value = 1;
    const read = async () => value;
    const first = batch.run('a', read);
    await nextTurn();
    // The first read has run; what changes now is in the answer of the next caller.
    value = 2;
    await expect(first).resolves.toBe(1);
    await expect(batch.run('a', read)).resolves.toBe(2);
  });

  it('runs the reads of a batch one after another before any caller goes on', async () => {
    const batch = new TurnBatch<string, number>();
    const events: string[] = [];
    const read = (key: string) => () => {
      events.push(`read ${key}`);
      return Promise.resolve(0);
    };
    const callers = ['a', 'b', 'c'].map((key) => batch.run(key, read(key)).then(() => events.push(`answer ${key}`)));
    await Promise.all(callers);
    expect(events).toEqual(['read a', 'read b', 'read c', 'answer a', 'answer b', 'answer c']);
  });

  it('gives a failure to the callers of that read only, and treats a read that throws as failed', async () => {
    const batch = new TurnBatch<string, number>();
    const rejected = batch.run('a', () => Promise.reject(new Error('file replaced')));
    const shared = batch.run('a', async () => 5);
    const thrown = batch.run('b', () => {
      throw new Error('not open');
    });
    const other = batch.run('c', async () => 3);
    await expect(rejected).rejects.toThrow('file replaced');
    await expect(shared).rejects.toThrow('file replaced');
    await expect(thrown).rejects.toThrow('not open');
    await expect(other).resolves.toBe(3);
    await expect(batch.run('a', async () => 4)).resolves.toBe(4);
  });
});
