import { newTraceId, traceIdFromTraceparent } from './trace-id';

describe('traceIdFromTraceparent', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

  it('takes the trace-id of a valid header', () => {
    expect(traceIdFromTraceparent(`00-${traceId}-00f067aa0ba902b7-01`)).toBe(traceId);
    expect(traceIdFromTraceparent(`01-${traceId}-00f067aa0ba902b7-00`)).toBe(traceId);
  });

  it.each([
    ['absent', undefined],
    ['sent twice', [`00-${traceId}-00f067aa0ba902b7-01`, `00-${traceId}-00f067aa0ba902b7-01`]],
    ['empty', ''],
    ['upper-case', `00-${traceId.toUpperCase()}-00F067AA0BA902B7-01`],
    ['version ff', `ff-${traceId}-00f067aa0ba902b7-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['an all-zero parent id', `00-${traceId}-${'0'.repeat(16)}-01`],
    ['too short', `00-${traceId.slice(1)}-00f067aa0ba902b7-01`],
  ])('ignores a header that is %s', (_name, header) => {
    expect(traceIdFromTraceparent(header)).toBeUndefined();
  });
});

describe('newTraceId', () => {
  it('gives 32 lower-case hex digits, a different id each time past one batch of random bytes', () => {
    const ids = Array.from({ length: 1000 }, () => newTraceId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
