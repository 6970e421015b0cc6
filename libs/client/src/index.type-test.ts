/**
 * Compile-time checks that the client's facade is the contract's operation, exactly: `tsc`
 * (npm run typecheck) fails here when the facade and the generated `paths` drift apart.
 */
import type { operations, paths } from '@oc-numbers/contracts';
import type { OcNumbersClient, OcNumbersFetchClient, ProblemDetails } from './index';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

type Summary = operations['getNumberRemovalStatusSummary'];
type Facade = OcNumbersClient['getRemovalStatusSummary'];

export type FacadeChecks = [
  // It takes the operation's query, and nothing may be required of it.
  Expect<Equal<Parameters<Facade>, [query?: Summary['parameters']['query']]>>,
  // It resolves to the operation's 200 body.
  Expect<Equal<Awaited<ReturnType<Facade>>, Summary['responses'][200]['content']['application/json']>>,
  // The errors it reports carry the operation's problem body.
  Expect<Equal<ProblemDetails, Summary['responses'][400]['content']['application/problem+json']>>,
  Expect<Equal<ProblemDetails, Summary['responses'][500]['content']['application/problem+json']>>,
  // The raw client is openapi-fetch over exactly the generated paths.
  Expect<Equal<OcNumbersFetchClient, import('openapi-fetch').Client<paths>>>,
];
