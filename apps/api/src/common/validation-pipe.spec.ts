import 'reflect-metadata';
import { jest } from '@jest/globals';
import { type ArgumentMetadata, type Type, ValidationPipe } from '@nestjs/common';
import { IsOptional, IsString } from 'class-validator';
import { ReconcileQueryDto } from '../reconcile/reconcile.dto';
import { RemovalStatusSummaryQueryDto } from '../numbers/removal-status-summary-query.dto';
import { ShortcutValidationPipe, VALIDATION_OPTIONS } from './validation-pipe';
import { ValidateOptionalGuid } from './validation';

/** A GUID beside a rule of another kind: the pipe must run for it. */
class GuidAndTextDto {
  @ValidateOptionalGuid({ description: 'a tenant', problem: 'INVALID_MS_TENANT_ID' })
  msTenantId?: string;

  @IsOptional()
  @IsString()
  other?: string;
}

/** Inherits its one GUID property. */
class InheritedSummaryQueryDto extends RemovalStatusSummaryQueryDto {}

const GUID = '6f9619ff-8b86-d011-b42d-00cf4fc964ff';

/** The same query through a pipe: what it made (class and fields), or the problem it threw. */
async function outcome(pipe: ValidationPipe, value: unknown, metatype: Type) {
  const metadata: ArgumentMetadata = { type: 'query', metatype };
  try {
    const made = (await pipe.transform(value, metadata)) as object;
    return { made: { ...made }, madeOf: made.constructor };
  } catch (error) {
    return { threw: error instanceof Error ? { name: error.name, ...(error as object) } : error };
  }
}

/** Queries as the router hands them over: strings, repeated names as arrays, anything at all. */
function queries(): unknown[] {
  const values: unknown[] = [
    undefined,
    '',
    ' ',
    '\t \n',
    GUID,
    GUID.toUpperCase(),
    ` ${GUID}`,
    `${GUID} `,
    GUID.slice(1),
    `${GUID}0`,
    GUID.replace(/-/g, ''),
    `{${GUID}}`,
    'not-a-guid',
    '00000000-0000-0000-0000-000000000000',
    'g6f9619f-8b86-d011-b42d-00cf4fc964ff',
    '6f9619ff\u20138b86-d011-b42d-00cf4fc964ff',
    [GUID, GUID],
    [GUID],
    [],
    ['', ''],
    null,
    42,
    true,
    { nested: GUID },
  ];
  const made: unknown[] = [];
  for (const msTenantId of values) {
    made.push(msTenantId === undefined ? {} : { msTenantId });
    made.push({ ...(msTenantId !== undefined && { msTenantId }), other: 'x', status: ['1', '2'] });
  }
  // Random GUID-like strings: one character of the alphabet of a GUID changed at a random place.
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  const alphabet = '0123456789abcdefABCDEFg- {}';
  for (let i = 0; i < 400; i++) {
    const at = next() % GUID.length;
    const msTenantId = GUID.slice(0, at) + alphabet[next() % alphabet.length] + GUID.slice(at + 1);
    made.push({ msTenantId });
  }
  made.push(null, 'msTenantId', [{ msTenantId: GUID }]);
  return made;
}

describe('ShortcutValidationPipe', () => {
  const shortcut = new ShortcutValidationPipe(VALIDATION_OPTIONS);
  const plain = new ValidationPipe(VALIDATION_OPTIONS);

  it.each([RemovalStatusSummaryQueryDto, InheritedSummaryQueryDto, GuidAndTextDto, ReconcileQueryDto])(
    'makes what ValidationPipe makes, or throws what it throws, for every query of %p',
    async (metatype) => {
      const all = queries();
      for (const query of all) {
        expect({ query, ...(await outcome(shortcut, query, metatype)) }).toEqual({
          query,
          ...(await outcome(plain, query, metatype)),
        });
      }
    },
  );

  it('takes the short way for the summary query when it is valid, and only then', async () => {
    const slow = jest.spyOn(ValidationPipe.prototype, 'transform');
    try {
      const metadata: ArgumentMetadata = { type: 'query', metatype: RemovalStatusSummaryQueryDto };
      await shortcut.transform({ msTenantId: GUID }, metadata);
      await shortcut.transform({}, metadata);
      await shortcut.transform({ msTenantId: '  ' }, metadata);
      expect(slow).not.toHaveBeenCalled();
      await expect(shortcut.transform({ msTenantId: 'nope' }, metadata)).rejects.toThrow();
      expect(slow).toHaveBeenCalledTimes(1);
      await shortcut.transform({ msTenantId: GUID }, { type: 'query', metatype: InheritedSummaryQueryDto });
      expect(slow).toHaveBeenCalledTimes(1);
      await shortcut.transform({ msTenantId: GUID }, { type: 'query', metatype: GuidAndTextDto });
      await shortcut.transform({}, { type: 'query', metatype: ReconcileQueryDto });
      expect(slow).toHaveBeenCalledTimes(3);
    } finally {
      slow.mockRestore();
    }
  });
});
