import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, IsUUID, isUUID } from 'class-validator';
import type { InvalidParameterCode } from '../problem/problem-catalogue';

/** The shape every GUID parameter must have: canonical 8-4-4-4-12 hexadecimal, any case. */
export const GUID_EXAMPLE = '6f9619ff-8b86-d011-b42d-00cf4fc964ff';

interface OptionalGuidOptions {
  readonly description: string;
  /** The catalogue's problem for a value that breaks a rule; its detail is the rule. */
  readonly problem: InvalidParameterCode;
}

/**
 * An optional GUID query parameter: absent, empty or only white space means "not given";
 * anything else must be one GUID in the canonical 8-4-4-4-12 form, in any letter case. The
 * validators run in the order listed and the first failure is reported, so a repeated
 * parameter (an array) is named as such rather than as a malformed GUID.
 */
export function ValidateOptionalGuid({ description, problem }: OptionalGuidOptions): PropertyDecorator {
  const context = { problem };
  return applyDecorators(
    (target: object, property: string | symbol) => recordOptionalGuid(target.constructor, property),
    ApiPropertyOptional({ type: String, format: 'uuid', description, example: GUID_EXAMPLE }),
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && value.trim() === '' ? undefined : value,
    ),
    IsOptional(),
    IsString({ message: 'must be given at most once.', context }),
    // 'loose' is exactly 8-4-4-4-12 hexadecimal; 'all' would also demand an RFC 9562
    // version and variant, which GUIDs in general do not have.
    IsUUID('loose', {
      message:
        `must be a GUID in the 8-4-4-4-12 hexadecimal form, for example ${GUID_EXAMPLE}; ` +
        'omit it or leave it empty for all tenants.',
      context,
    }),
  );
}

/** The properties declared with ValidateOptionalGuid, by the class that declares them. */
const optionalGuids = new Map<object, Set<string | symbol>>();

function recordOptionalGuid(declaredIn: object, property: string | symbol): void {
  const properties = optionalGuids.get(declaredIn) ?? new Set();
  properties.add(property);
  optionalGuids.set(declaredIn, properties);
}

/** What {@link validOptionalGuids} needs of a class: whether every property it validates is one. */
export type OptionalGuidClass = new () => object;

/**
 * A parameter object whose class validates only ValidateOptionalGuid properties (`properties`,
 * found once per class by the caller), made as the validation pipe would make it when every one
 * is valid: absent, blank or one GUID. Undefined when any is not (the pipe then runs and makes
 * the problem), and when `value` is not a plain object. Other properties are left out, as the
 * pipe's whitelist leaves them out.
 */
export function validOptionalGuids(
  metatype: OptionalGuidClass,
  properties: readonly string[],
  value: unknown,
): object | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const made = new metatype() as Record<string, unknown>;
  for (const property of properties) {
    const given = (value as Record<string, unknown>)[property];
    if (given === undefined) continue;
    if (given === null) {
      made[property] = null;
      continue;
    }
    if (typeof given !== 'string') return undefined;
    if (given.trim() === '') continue;
    if (!isUUID(given, 'loose')) return undefined;
    made[property] = given;
  }
  return made;
}

/**
 * The properties of `metatype` when each one it validates was declared with ValidateOptionalGuid
 * (and it validates at least one), else undefined. `validated` lists each validated property
 * with the class that declared it (class-validator's metadata).
 */
export function onlyOptionalGuids(
  validated: ReadonlyArray<{ readonly target: object | string; readonly propertyName: string | undefined }>,
): string[] | undefined {
  const properties = new Set<string>();
  for (const { target, propertyName } of validated) {
    if (typeof target === 'string' || propertyName === undefined) return undefined;
    if (!optionalGuids.get(target)?.has(propertyName)) return undefined;
    properties.add(propertyName);
  }
  return properties.size > 0 ? [...properties] : undefined;
}
