import { connect, type Socket } from 'node:net';
import { Client } from 'pg';
import { eventually } from '@oc-numbers/testing';
import request from 'supertest';
import { useApp } from './app-harness';
import { countsOf, newTrace, OFTEN, openConnection, RECONCILE, startReconciliation } from './aborted-requests';

const SUMMARY = '/api/v3/oc/numbers/removal-status/summary';
const LIST = '/api/v3/oc/numbers';
const READY_FOR_REMOVAL = '/api/v3/oc/numbers/action/ready-for-removal';

describe('the request log', () => {
  const running = useApp('sqlite');

  const requestLine = (traceId: string) => {
    const lines = running()
      .logs.mentioning(traceId)
      .filter((l) => l.msg === 'request completed');
    expect(lines).toHaveLength(1);
    return lines[0];
  };

  it('writes one JSON line per request with method, route template, status, duration and trace id', async () => {
    const response = await request(running().server).get(`${SUMMARY}?msTenantId=6f9619ff-8b86-d011-b42d-00cf4fc964ff`);
    expect(response.status).toBe(200);
    const traceId = response.headers['x-trace-id'];
    expect(requestLine(traceId)).toMatchObject({
      level: 30,
      traceId,
      route: SUMMARY,
      durationMs: expect.any(Number),
      req: { method: 'GET', url: `${SUMMARY}?msTenantId=6f9619ff-8b86-d011-b42d-00cf4fc964ff` },
      res: {
        statusCode: 200,
        headers: {
          'content-type': response.headers['content-type'],
          'content-length': response.headers['content-length'],
        },
      },
    });
    expect(response.headers['content-type']).toMatch(/^application\/json/);
  });

  it('writes an error line with the errorTicket beside the request line of a failed request', async () => {
    const response = await request(running().server).get(`${SUMMARY}?msTenantId=nope`);
    expect(response.status).toBe(400);
    const { traceId, errorTicket } = response.body;
    expect(requestLine(traceId)).toMatchObject({ route: SUMMARY, res: { statusCode: 400 } });
    expect(running().logs.mentioning(errorTicket)).toEqual([
      expect.objectContaining({ level: 40, traceId, errorTicket, errorCode: 'INVALID_MS_TENANT_ID' }),
    ]);
  });

  it('never writes credentials', async () => {
    const secret = 'hunter2-do-not-log';
    const response = await request(running().server)
      .get(SUMMARY)
      .set('Authorization', `Bearer ${secret}`)
      .set('Cookie', `session=${secret}`)
      .set('Proxy-Authorization', `Basic ${secret}`);
    const line = requestLine(response.headers['x-trace-id']);
    expect(JSON.stringify(running().logs.lines)).not.toContain(secret);
    expect(line).toMatchObject({
      req: { headers: { authorization: '[Redacted]', cookie: '[Redacted]', 'proxy-authorization': '[Redacted]' } },
    });
  });

  describe('of a client that goes away before its answer', () => {
    const port = () => Number(new URL(running().baseUrl).port);
    const linesOf = (traceId: string) =>
      running()
        .logs.mentioning(traceId)
        .filter((l) => l.traceId === traceId);
    /** The request log's lines of the trace: request completed, errored or aborted. */
    const requestLinesOf = (traceId: string) =>
      linesOf(traceId).filter((l) => typeof l.msg === 'string' && l.msg.startsWith('request '));

    it('writes its line all the same: "request aborted", with trace id, route, request and duration, and no response', async () => {
      const { traceId, traceparent } = newTrace();
      const before = await countsOf(running().server, RECONCILE, 'POST');
      const connection = await openConnection(port());
      const sent = performance.now();
      await startReconciliation(connection, traceparent);
      connection.socket.destroy();
      await eventually(
        'the line of the aborted request',
        () => linesOf(traceId).some((l) => l.msg === 'request aborted'),
        OFTEN,
      );
      const waited = performance.now() - sent;
      const requestLines = requestLinesOf(traceId);
      expect(requestLines).toEqual([
        expect.objectContaining({
          level: 30,
          msg: 'request aborted',
          traceId,
          route: RECONCILE,
          req: expect.objectContaining({ method: 'POST' }),
        }),
      ]);
      expect(requestLines[0]).not.toHaveProperty('res');
      // From its arrival to its connection's close: within the time the test waited for both.
      expect(requestLines[0].durationMs).toBeGreaterThanOrEqual(0);
      expect(requestLines[0].durationMs).toBeLessThanOrEqual(waited);
      // Counted once, as aborted, and not among the requests answered.
      expect(await countsOf(running().server, RECONCILE, 'POST')).toEqual({
        answered: before.answered,
        aborted: before.aborted + 1,
      });
      // The body's read fails with ECONNRESET when its client goes: that is the client's doing, not a database outage.
      await eventually('the failed read of the body', () => linesOf(traceId).length > 1, OFTEN);
      expect(linesOf(traceId).filter((l) => Number(l.level) >= 50)).toEqual([]);
      expect(running().logs.lines.filter((l) => l.errorCode === 'DATABASE_UNAVAILABLE')).toEqual([]);
    });

    it('tells an answered request from the unanswered one after it on the same connection', async () => {
      const answered = newTrace();
      const abandoned = newTrace();
      const connection = await openConnection(port());
      connection.socket.write(
        `GET /health/live HTTP/1.1\r\nHost: localhost\r\ntraceparent: ${answered.traceparent}\r\n\r\n`,
      );
      await eventually('the answer', () => /\r\n\r\n\{[^]*\}$/.test(connection.received()), OFTEN);
      await startReconciliation(connection, abandoned.traceparent);
      connection.socket.destroy();
      await eventually('the line of the aborted request', () => requestLinesOf(abandoned.traceId).length > 0, OFTEN);
      expect(requestLinesOf(answered.traceId)).toEqual([
        expect.objectContaining({
          msg: 'request completed',
          route: '/health/live',
          res: expect.objectContaining({ statusCode: 200 }),
        }),
      ]);
      expect(requestLinesOf(abandoned.traceId)).toEqual([
        expect.objectContaining({ msg: 'request aborted', route: RECONCILE }),
      ]);
      const counts = await countsOf(running().server, '/health/live', 'GET');
      expect(counts.aborted).toBe(0);
      expect(counts.answered).toBeGreaterThanOrEqual(1);
    });

    it('gives the status of an answer it had begun: a CSV export whose client left', async () => {
      const { dataSource } = running();
      // Several times what the loopback connection's buffers hold (~15 MB of CSV): the export
      // cannot end while its client reads nothing.
      await dataSource.query(
        'WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 149999) ' +
          'INSERT INTO oc_numbers (telephone_number, ms_tenant_id, removal_status) ' +
          "SELECT '+1888' || printf('%07d', i), '6f9619ff-8b86-d011-b42d-00cf4fc964ff', 0 FROM n",
      );
      try {
        const { traceId, traceparent } = newTrace();
        const before = await countsOf(running().server, LIST, 'GET');
        const socket = await new Promise<Socket>((resolve, reject) => {
          const opened: Socket = connect(port(), '127.0.0.1', () => resolve(opened)).on('error', reject);
        });
        // The client stops reading at the answer's first bytes, and then goes away.
        const head = new Promise((resolve) => socket.once('data', resolve).once('data', () => socket.pause()));
        socket.write(
          `GET ${LIST} HTTP/1.1\r\nHost: localhost\r\nAccept: text/csv\r\ntraceparent: ${traceparent}\r\n\r\n`,
        );
        expect(String(await head)).toMatch(/^HTTP\/1\.1 200 /);
        socket.destroy();
        await eventually('the line of the aborted export', () => requestLinesOf(traceId).length > 0, OFTEN);
        expect(requestLinesOf(traceId)).toEqual([
          expect.objectContaining({
            msg: 'request aborted',
            route: LIST,
            res: {
              statusCode: 200,
              headers: expect.objectContaining({ 'content-type': expect.stringMatching(/^text\/csv/) }),
            },
            durationMs: expect.any(Number),
          }),
        ]);
        expect(await countsOf(running().server, LIST, 'GET')).toEqual({
          answered: before.answered,
          aborted: before.aborted + 1,
        });
      } finally {
        await dataSource.query("DELETE FROM oc_numbers WHERE telephone_number LIKE '+1888%'");
      }
    });

    it('writes no aborted line for a request answered before its connection closed', async () => {
      const { traceId, traceparent } = newTrace();
      const connection = await openConnection(port());
      connection.socket.write(`GET /health/live HTTP/1.1\r\nHost: localhost\r\ntraceparent: ${traceparent}\r\n\r\n`);
      await eventually('the answer', () => /\r\n\r\n\{[^]*\}$/.test(connection.received()), OFTEN);
      // A request after it, on another connection, that is logged once this connection's close has been seen.
      const closed = new Promise((resolve) => connection.socket.on('close', resolve));
      connection.socket.destroy();
      await closed;
      const later = await request(running().server).get('/health/live');
      await eventually("the later request's line", () => linesOf(later.headers['x-trace-id']).length > 0, OFTEN);
      expect(requestLinesOf(traceId)).toEqual([expect.objectContaining({ msg: 'request completed' })]);
    });
  });
});

describe('the request log of a request whose client goes away while it is handled (PostgreSQL)', () => {
  const running = useApp('postgres');

  it('writes "request aborted" though its body was read in full', async () => {
    const { traceId, traceparent } = newTrace();
    // The service's session waits on this lock: the request is in its handler, its body read.
    const locker = new Client({ connectionString: running().database.url });
    const watcher = new Client({ connectionString: running().database.url });
    for (const client of [locker, watcher]) {
      client.on('error', () => undefined);
      await client.connect();
    }
    const waiting = async () =>
      (
        await watcher.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'oc-numbers' " +
            "AND datname = current_database() AND wait_event_type = 'Lock'",
        )
      ).rows[0].n > 0;
    const lines = () =>
      running()
        .logs.mentioning(traceId)
        .filter((l) => l.traceId === traceId);
    const body = JSON.stringify({ telephoneNumbers: ['+15550100'] });
    try {
      const before = await countsOf(running().server, READY_FOR_REMOVAL, 'POST');
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE oc_numbers IN ACCESS EXCLUSIVE MODE');
      const connection = await openConnection(Number(new URL(running().baseUrl).port));
      connection.socket.write(
        `POST ${READY_FOR_REMOVAL} HTTP/1.1\r\nHost: localhost\r\ntraceparent: ${traceparent}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      await eventually('the handler to wait on the lock', waiting, OFTEN);
      connection.socket.destroy();
      await eventually(
        'the line of the aborted request',
        () => lines().some((l) => l.msg === 'request aborted'),
        OFTEN,
      );
      expect(lines()).toEqual([expect.objectContaining({ msg: 'request aborted', route: READY_FOR_REMOVAL })]);
      expect(await countsOf(running().server, READY_FOR_REMOVAL, 'POST')).toEqual({
        answered: before.answered,
        aborted: before.aborted + 1,
      });
      // Its handler goes on once the lock is gone, and answers a connection that is closed: not
      // a second line, nor a count as answered. The same request after it is answered.
      await locker.query('ROLLBACK');
      const busy = async () =>
        (
          await watcher.query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'oc-numbers' " +
              "AND datname = current_database() AND state <> 'idle'",
          )
        ).rows[0].n > 0;
      await eventually('the held request to finish its work', async () => !(await busy()), OFTEN);
      const again = await request(running().server)
        .post(READY_FOR_REMOVAL)
        .send(body)
        .set('Content-Type', 'application/json');
      expect(again.status).toBeLessThan(500);
      expect(lines()).toEqual([expect.objectContaining({ msg: 'request aborted' })]);
      expect(await countsOf(running().server, READY_FOR_REMOVAL, 'POST')).toEqual({
        answered: before.answered + 1,
        aborted: before.aborted + 1,
      });
    } finally {
      await locker.query('ROLLBACK');
      await Promise.all([locker.end(), watcher.end()]);
    }
  });
});
