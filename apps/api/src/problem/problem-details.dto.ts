import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE, type ProblemFields } from './problem';

/** The problem body every error carries, as the decorators describe it. */
@ApiExtraModels()
export class ProblemDetailsDto implements ProblemFields {
  @ApiProperty({ type: String, format: 'uri-reference', maxLength: 2048 })
  type!: string;

  @ApiProperty({ type: String, maxLength: 256 })
  title!: string;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 400, maximum: 599 })
  status!: number;

  @ApiProperty({ type: String, maxLength: 4096 })
  detail!: string;

  @ApiProperty({ type: String, format: 'uri-reference', maxLength: 16384 })
  instance!: string;

  @ApiProperty({ type: String, format: 'uuid', maxLength: 36 })
  errorTicket!: string;

  @ApiProperty({ type: String, maxLength: 64, pattern: '^[A-Z][A-Z0-9_]*$' })
  errorCode!: string;

  @ApiProperty({ type: String, maxLength: 32, pattern: '^[0-9a-f]{32}$' })
  traceId!: string;
}

/**
 * Declares problem+json answers with these statuses on an operation, the 405 every operation's
 * path answers to a method it has no route for (`collectRoutes`), and the 408 of a client too
 * slow to send its request (`clientErrorHandler`).
 */
export function ApiProblemResponses(statuses: Readonly<Record<number, string>>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDetailsDto),
    ...Object.entries({
      405: 'The path has no operation for this method.',
      408: 'The request did not arrive whole within the request timeout.',
      ...statuses,
    }).map(([status, description]) =>
      ApiResponse({
        status: Number(status),
        description,
        content: {
          [PROBLEM_CONTENT_TYPE]: {
            schema: {
              allOf: [{ $ref: getSchemaPath(ProblemDetailsDto) }],
              additionalProperties: { type: 'string', maxLength: 4096 },
            },
          },
        },
      }),
    ),
  );
}
