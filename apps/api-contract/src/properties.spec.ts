import { Contract, expectedSummary, insertNumbers } from '@oc-numbers/testing';
import fc from 'fast-check';
import { send } from './exchange';
import { FIXTURE } from './scenarios';
import { PROPERTY_RUNS, SEED } from './settings';
import { SummaryRules } from './summary-rules';
import { type Target, startTarget, targetNames } from './targets';
import { generatedQuery, meaningOf } from './tenant-id-values';

const contract = new Contract();
const OPERATION = contract.operationById('getNumberRemovalStatusSummary');

describe.each(targetNames())('generated msTenantId values on %s', (name) => {
  let target: Target;
  let rules: SummaryRules;

  beforeAll(async () => {
    // Thousands of rejected values would each write a warning line: keep the log to errors.
    target = await startTarget(name, { LOG_LEVEL: 'error' }, { prism: false });
    rules = new SummaryRules(target.baseUrl);
    if (target.database) await insertNumbers(target.database, FIXTURE);
  });
  afterAll(() => target?.stop());

  it(`answers ${PROPERTY_RUNS} generated queries exactly as the rules say`, async () => {
    process.stdout.write(`${name}: ${PROPERTY_RUNS} generated queries, seed ${SEED} (replay: CONTRACT_SEED=${SEED})\n`);
    const labels = new Map<string, number>();
    const property = fc.asyncProperty(generatedQuery, async (generated) => {
      labels.set(generated.label, (labels.get(generated.label) ?? 0) + 1);
      const exchange = await send(target.baseUrl, {
        method: OPERATION.method,
        path: OPERATION.path,
        rawQuery: generated.rawQuery,
      });
      const meaning = meaningOf(generated.values);
      const expected = meaning.kind === 'invalid' ? 400 : 200;
      if (exchange.status !== expected) {
        throw new Error(
          `expected ${expected} (${meaning.kind}), got ${exchange.status}: ${exchange.text.slice(0, 300)}`,
        );
      }
      const problems = contract.check(OPERATION.method, OPERATION.path, exchange);
      if (problems.length > 0) throw new Error(problems.join('; '));
      // The rules that hold whatever the data, also where the suite cannot know the answer.
      const broken = exchange.status === 200 ? await rules.check(exchange.body, generated.values) : [];
      if (broken.length > 0) throw new Error(broken.join('; '));
      if (target.database && meaning.kind !== 'invalid') {
        expect(exchange.body).toEqual(expectedSummary(FIXTURE, meaning.kind === 'tenant' ? meaning.tenant : undefined));
      }
    });
    await fc.assert(property, { seed: SEED, numRuns: PROPERTY_RUNS, endOnFailure: true });
    process.stdout.write(`${name}: ${[...labels].map(([label, n]) => `${label} ${n}`).join(', ')}\n`);
  });
});
