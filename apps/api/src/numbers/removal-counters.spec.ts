import { checkedCounts, CountsInconsistentError } from './removal-counters';

describe('checkedCounts', () => {
  it.each([
    [0, '0', { markedForRemoval: 0, readyForRemoval: 0 }],
    ['12', 3, { markedForRemoval: 12, readyForRemoval: 3 }],
    [null, undefined, { markedForRemoval: 0, readyForRemoval: 0 }],
    ['9007199254740991', '1', { markedForRemoval: Number.MAX_SAFE_INTEGER, readyForRemoval: 1 }],
  ])('reads %p and %p as counts', (marked, ready, counts) => {
    expect(checkedCounts(undefined, marked, ready)).toEqual(counts);
  });

  it.each([
    ['-1', '0'],
    [0, -2],
    ['9007199254740992', '0'],
    ['1.5', '0'],
    ['0', 'NaN'],
    [BigInt(-1), 0],
  ])('refuses %p and %p: they cannot be counts', (marked, ready) => {
    expect(() => checkedCounts('6f9619ff-8b86-d011-b42d-00cf4fc964ff', marked, ready)).toThrow(CountsInconsistentError);
  });
});
