import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ListFilters } from './list-query';
import type { NumberListRepository, NumberRow } from './number-list.repository';
import { CSV_BATCH, NumberListService } from './number-list.service';

/** A repository of `total` numbers that records every page read, and can fail one. */
function fakeRepository(total: number, failAtCall?: number) {
  const calls: Array<string | undefined> = [];
  const numbers = Array.from({ length: total }, (_, i) => `+1425${String(i).padStart(7, '0')}`);
  const repository = {
    async page(_filters: ListFilters, { after, limit }: { after?: string; limit: number }): Promise<NumberRow[]> {
      calls.push(after);
      if (calls.length === failAtCall) throw new Error('connection lost');
      const start = after === undefined ? 0 : numbers.indexOf(after) + 1;
      return numbers.slice(start, start + limit).map((telephoneNumber) => ({
        telephoneNumber,
        msTenantId: null,
        status: 0,
        removalStatusChangedAt: null,
        createdAt: '2026-11-28T00:00:00.000Z',
      }));
    },
  };
  return { repository: repository as unknown as NumberListRepository, calls };
}

describe('the CSV export stream', () => {
  it('reads batch after batch, each after the last number of the one before', async () => {
    const { repository, calls } = fakeRepository(CSV_BATCH * 2 + 5);
    let text = '';
    await pipeline(
      new NumberListService(repository).exportCsv({}),
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          text += chunk.toString('utf8');
          done();
        },
      }),
    );
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('telephoneNumber,msTenantId,acquiredNumberStatus,removalStatusChangedAt,createdAt');
    expect(lines).toHaveLength(CSV_BATCH * 2 + 5 + 2);
    expect(calls).toEqual([undefined, '+14250000999', '+14250001999']);
  });

  it('reads nothing more once the client is gone (the stream destroyed)', async () => {
    const { repository, calls } = fakeRepository(CSV_BATCH * 50);
    const stream = new NumberListService(repository).exportCsv({});
    // Take the header and the first batch, then go away, as a disconnecting client does.
    for await (const _chunk of stream) {
      if (calls.length >= 1) break;
    }
    expect(stream.destroyed).toBe(true);
    const atExit = calls.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    // At most the read that was under way when the client left finishes; none starts after it.
    expect(calls.length).toBeLessThanOrEqual(atExit + 1);
    expect(calls.length).toBeLessThan(6);
  });

  it('waits for a slow reader instead of reading ahead (backpressure)', async () => {
    const { repository, calls } = fakeRepository(CSV_BATCH * 50);
    const stream = new NumberListService(repository).exportCsv({});
    stream.once('data', () => stream.pause());
    await new Promise((resolve) => setTimeout(resolve, 100));
    // A paused reader: only the batches that fill the stream's buffer were read, not 50.
    expect(calls.length).toBeLessThan(5);
    stream.destroy();
  });

  it('fails the stream when a read fails after the header went out, so the transfer is cut', async () => {
    const { repository, calls } = fakeRepository(CSV_BATCH * 3, 2);
    const stream = new NumberListService(repository).exportCsv({});
    await expect(
      (async () => {
        for await (const _chunk of stream) {
          // The client reads on.
        }
      })(),
    ).rejects.toThrow('connection lost');
    // The header and the first batch were made before the failing read, and nothing after it.
    expect(calls).toHaveLength(2);
    expect(stream.destroyed).toBe(true);
  });
});
