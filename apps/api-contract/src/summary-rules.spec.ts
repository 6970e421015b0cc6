import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ownProblems, SummaryRules } from './summary-rules';

type Counts = { markedForRemovalCount: number; readyForRemovalCount: number; totalCount: number };
const counts = (marked: number, ready: number, total = marked + ready): Counts => ({
  markedForRemovalCount: marked,
  readyForRemovalCount: ready,
  totalCount: total,
});

const TENANT = '6f9619ff-8b86-d011-b42d-00cf4fc964ff';

/**
 * A stand-in for an instance, answering the summary as `answer` says (msTenantId as sent,
 * undefined for all tenants): the rules must tell a sound instance from a broken one.
 */
class Instance {
  answer: (msTenantId: string | undefined) => Counts = () => counts(0, 0);
  readonly asked: (string | undefined)[] = [];
  private readonly server: Server = createServer((request, response) => {
    const msTenantId = new URL(request.url ?? '/', 'http://x').searchParams.get('msTenantId') ?? undefined;
    this.asked.push(msTenantId);
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.answer(msTenantId)));
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('the rules every 200 summary keeps', () => {
  let instance: Instance;
  let rules: SummaryRules;

  beforeEach(async () => {
    instance = new Instance();
    rules = new SummaryRules(await instance.start());
  });
  afterEach(() => instance.stop());

  it('pass answers that keep them, for all tenants and for a tenant in any letter case', async () => {
    instance.answer = (tenant) => (tenant === undefined ? counts(7, 5) : counts(2, 1));
    expect(await rules.check(counts(7, 5), [])).toEqual([]);
    expect(await rules.check(counts(7, 5), [' '])).toEqual([]);
    expect(await rules.check(counts(2, 1), [TENANT])).toEqual([]);
    expect(await rules.check(counts(2, 1), [TENANT.toUpperCase()])).toEqual([]);
    // Each tenant answer was compared with the other letter case.
    expect(instance.asked).toEqual([TENANT.toUpperCase(), TENANT]);
  });

  it('catch a totalCount that is not the sum', async () => {
    expect(await rules.check(counts(0, 0, 1), [TENANT])).toEqual([
      `msTenantId=${TENANT}: totalCount 1 is not markedForRemovalCount 0 + readyForRemovalCount 0 (0) in ` +
        '{"markedForRemovalCount":0,"readyForRemovalCount":0,"totalCount":1}',
    ]);
    expect(await rules.check(counts(3, 2, 4), [])).toHaveLength(1);
  });

  it('catch a negative count', () => {
    expect(ownProblems(counts(-1, 1))).toEqual(['markedForRemovalCount is negative: -1']);
    expect(ownProblems({ markedForRemovalCount: 0, readyForRemovalCount: 0 })).toEqual([
      'totalCount is not a whole number: undefined',
    ]);
  });

  it('catch a tenant id whose letter case changes the answer', async () => {
    instance.answer = (tenant) =>
      tenant === undefined ? counts(5, 5) : tenant === TENANT ? counts(2, 1) : counts(0, 0);
    expect(await rules.check(counts(2, 1), [TENANT])).toEqual([
      `msTenantId=${TENANT} answers {"markedForRemovalCount":2,"readyForRemovalCount":1,"totalCount":3} but ` +
        `msTenantId=${TENANT.toUpperCase()} answers {"markedForRemovalCount":0,"readyForRemovalCount":0,"totalCount":0}: ` +
        'the letter case of a tenant id must not change the answer',
    ]);
  });

  it('catch a tenant with more numbers than all tenants together', async () => {
    instance.answer = (tenant) => (tenant === undefined ? counts(1, 0) : counts(1, 4));
    expect(await rules.check(counts(1, 4), [TENANT])).toEqual([
      `msTenantId=${TENANT} answers {"markedForRemovalCount":1,"readyForRemovalCount":4,"totalCount":5}, above the ` +
        '{"markedForRemovalCount":1,"readyForRemovalCount":0,"totalCount":1} of all tenants ' +
        "(readyForRemovalCount, totalCount): one tenant's numbers are among all tenants' numbers",
    ]);
  });

  it('compare with the latest all-tenant answer the suite received', async () => {
    expect(await rules.check(counts(0, 0), [])).toEqual([]);
    instance.answer = (tenant) => (tenant === undefined ? counts(0, 0) : counts(1, 0));
    expect(await rules.check(counts(1, 0), [TENANT])).toHaveLength(1);
  });

  it('let pass a difference that a second look does not confirm (numbers changing meanwhile)', async () => {
    // The tenant gained a number between the request and the check: every later answer agrees.
    instance.answer = (tenant) => (tenant === undefined ? counts(9, 9) : counts(2, 1));
    expect(await rules.check(counts(1, 1), [TENANT])).toEqual([]);
  });

  it('leave invalid values alone: they are not 200 answers', async () => {
    expect(await rules.check(counts(0, 0, 9), ['not-a-guid'])).toEqual([]);
    expect(instance.asked).toEqual([]);
  });
});
