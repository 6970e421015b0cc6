import { eventually } from '@oc-numbers/testing';
import { useApp } from './app-harness';
import { newTrace, OFTEN, openConnection, RECONCILE, startReconciliation } from './aborted-requests';

describe('the line of a request whose client goes away, with the rate limit off', () => {
  // Nothing else reads the client's address before the connection closes.
  const running = useApp('sqlite', { rateLimit: { enabled: false, max: 600, windowMs: 60_000 } });

  it("names the client's address all the same", async () => {
    const { traceId, traceparent } = newTrace();
    const connection = await openConnection(Number(new URL(running().baseUrl).port));
    await startReconciliation(connection, traceparent);
    connection.socket.destroy();
    const aborted = () =>
      running()
        .logs.mentioning(traceId)
        .filter((l) => l.msg === 'request aborted');
    await eventually('the line of the aborted request', () => aborted().length > 0, OFTEN);
    expect(aborted()).toEqual([
      expect.objectContaining({ route: RECONCILE, req: expect.objectContaining({ remoteAddress: '127.0.0.1' }) }),
    ]);
  });
});
