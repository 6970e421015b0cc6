import { eventually } from '@oc-numbers/testing';
import { useApp } from './app-harness';
import { countsOf, newTrace, OFTEN, openConnection, RECONCILE, startReconciliation } from './aborted-requests';

describe('the count of a request whose client goes away, with the request log off', () => {
  const running = useApp('sqlite', { logLevel: 'warn' });

  it('is in http_requests_aborted_total all the same', async () => {
    const { traceId, traceparent } = newTrace();
    const before = await countsOf(running().server, RECONCILE, 'POST');
    const connection = await openConnection(Number(new URL(running().baseUrl).port));
    await startReconciliation(connection, traceparent);
    connection.socket.destroy();
    await eventually(
      'the count of the aborted request',
      async () => (await countsOf(running().server, RECONCILE, 'POST')).aborted > before.aborted,
      OFTEN,
    );
    expect(await countsOf(running().server, RECONCILE, 'POST')).toEqual({
      answered: before.answered,
      aborted: before.aborted + 1,
    });
    expect(
      running()
        .logs.mentioning(traceId)
        .filter((l) => l.msg === 'request aborted'),
    ).toEqual([]);
  });
});
