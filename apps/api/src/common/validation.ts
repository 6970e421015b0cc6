import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, IsUUID } from 'class-validator';
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
