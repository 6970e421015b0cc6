import type { ValidationError } from '@nestjs/common';
import { ProblemException } from './problem';
import { isInvalidParameterCode, problem } from './problem-catalogue';

/**
 * Turns the ValidationPipe's errors into one 400 problem for the first invalid parameter. The
 * pipe stops at the first failed rule of each property; the rule names its catalogue code in
 * its context (see common/validation.ts) and its message is the rule the value broke:
 * INVALID_MS_TENANT_ID, "msTenantId must be given at most once.".
 */
export function validationProblem(errors: ValidationError[]): ProblemException {
  const first = errors[0];
  const [rule, message] = Object.entries(first?.constraints ?? {})[0] ?? [];
  const code: unknown = rule === undefined ? undefined : first?.contexts?.[rule]?.problem;
  if (message !== undefined && isInvalidParameterCode(code)) {
    return new ProblemException(problem(code, { rule: message }));
  }
  // A rule that names no problem of the catalogue: a plain 400.
  return new ProblemException(problem('BAD_REQUEST', { message: `${first?.property ?? 'request'} is not valid.` }));
}
