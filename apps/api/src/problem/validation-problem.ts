import type { ValidationError } from '@nestjs/common';
import { ProblemException } from './problem';

const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
const screamingSnake = (name: string) => kebab(name).replace(/-/g, '_').toUpperCase();

/**
 * Turns the ValidationPipe's errors into one 400 problem named after the first invalid
 * parameter: title "Invalid msTenantId", errorCode INVALID_MS_TENANT_ID. The pipe stops at the
 * first failed rule of each property, so `detail` is that rule's message.
 */
export function validationProblem(errors: ValidationError[]): ProblemException {
  const first = errors[0];
  const property = first?.property ?? 'request';
  const detail = Object.values(first?.constraints ?? {})[0] ?? `${property} is not valid.`;
  return new ProblemException({
    type: `urn:oc-numbers:problem:invalid-${kebab(property)}`,
    title: `Invalid ${property}`,
    status: 400,
    detail,
    errorCode: `INVALID_${screamingSnake(property)}`,
  });
}
