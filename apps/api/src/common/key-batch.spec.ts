import { Deadline, DeadlineExceededError } from './deadline';
import { KeyBatch } from './key-batch';

/** Resolves once the event loop has gone round: every `setImmediate` queued before has run. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Reads the test ends itself, each answering its keys with `value(key)`. */
function controlledReads(value: (key: string) => number = (key) => key.length) {
  const started: Array<{ keys: string[]; finish: () => void; fail: (error: Error) => void }> = [];
  const readMany = (keys: string[]) =>
    new Promise<Map<string, number>>((resolve, reject) => {
      started.push({ keys, finish: () => resolve(new Map(keys.map((key) => [key, value(key)]))), fail: reject });
    });
  return { started, readMany };
}

describe('KeyBatch', () => {
  it('reads the keys asked for in one turn together, once each, after the turn', async () => {
    let shared = 0;
    const { started, readMany } = controlledReads();
    const batch = new KeyBatch(readMany, { onShared: () => shared++ });
    const answers = Promise.all([batch.run('a'), batch.run('bb'), batch.run('a'), batch.run('ccc')]);
    expect(started).toHaveLength(0);
    await nextTurn();
    expect(started.map(({ keys }) => keys)).toEqual([['a', 'bb', 'ccc']]);
    expect(shared).toBe(1);
    started[0].finish();
    await expect(answers).resolves.toEqual([1, 2, 1, 3]);
  });

  it('runs one read at a time: keys asked for while it runs go together into the next, started after it', async () => {
    const { started, readMany } = controlledReads();
    const batch = new KeyBatch(readMany);
    const first = batch.run('a');
    await nextTurn();
    expect(batch.busy).toBe(true);
    // Asked while the first read runs, in two turns: never answered by it, read together next.
    const second = batch.run('a');
    await nextTurn();
    const third = batch.run('bb');
    await nextTurn();
    expect(started).toHaveLength(1);
    started[0].finish();
    await expect(first).resolves.toBe(1);
    await nextTurn();
    expect(started.map(({ keys }) => keys)).toEqual([['a'], ['a', 'bb']]);
    started[1].finish();
    await expect(Promise.all([second, third])).resolves.toEqual([1, 2]);
    expect(batch.busy).toBe(false);
  });

  it('gives a failed read to its callers only, and reads on for the next', async () => {
    const { started, readMany } = controlledReads();
    const batch = new KeyBatch(readMany);
    const failed = batch.run('a');
    await nextTurn();
    const next = batch.run('a');
    started[0].fail(new Error('connection lost'));
    await expect(failed).rejects.toThrow('connection lost');
    await nextTurn();
    started[1].finish();
    await expect(next).resolves.toBe(1);
  });

  it('rejects a key the read did not answer, and treats a read that throws at once as failed', async () => {
    const partial = new KeyBatch(async (keys: string[]) => new Map(keys.slice(1).map((key) => [key, 0])));
    const [missing, answered] = [partial.run('a'), partial.run('b')];
    await expect(missing).rejects.toThrow('answered nothing');
    await expect(answered).resolves.toBe(0);

    const throwing = new KeyBatch<string, number>(() => {
      throw new Error('no connection');
    });
    await expect(throwing.run('a')).rejects.toThrow('no connection');
    expect(throwing.busy).toBe(false);
  });

  it('gives up at a caller’s deadline while the read goes on for the others', async () => {
    const { started, readMany } = controlledReads();
    const batch = new KeyBatch(readMany);
    const impatient = batch.run('a', Deadline.after(20));
    const patient = batch.run('a');
    await expect(impatient).rejects.toBeInstanceOf(DeadlineExceededError);
    started[0].finish();
    await expect(patient).resolves.toBe(1);
  });

  it('leaves out of the next read a key whose callers all gave up while the last one ran', async () => {
    const { started, readMany } = controlledReads();
    const batch = new KeyBatch(readMany);
    const first = batch.run('a');
    await nextTurn();
    const gaveUp = batch.run('bb', Deadline.after(10));
    const waits = batch.run('ccc');
    await expect(gaveUp).rejects.toBeInstanceOf(DeadlineExceededError);
    started[0].finish();
    await expect(first).resolves.toBe(1);
    await nextTurn();
    expect(started.map(({ keys }) => keys)).toEqual([['a'], ['ccc']]);
    started[1].finish();
    await expect(waits).resolves.toBe(3);
  });
});
