import { applyDecorators, Controller, Get, Header, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags, type SchemaObject } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { HEADER } from '../common/http-headers';
import { ApiProblemResponses } from '../problem/problem-details.dto';
import { OPENAPI_SPEC, type OpenApiSpec } from './openapi-spec';
import { loadSwaggerUiAssets, SWAGGER_UI_HTML } from './swagger-ui';

interface DocsOperation {
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  /** What the 200 answer holds. */
  readonly description: string;
  readonly mediaType: string;
  /** The answer's schema; text by default. */
  readonly schema?: SchemaObject;
}

/**
 * A GET operation of the documentation: one 200 answer of `mediaType`, and the 429 of the rate
 * limit. A text answer names its type; an object is sent as JSON.
 */
function DocsGet({ path, operationId, summary, description, mediaType, schema = { type: 'string' } }: DocsOperation) {
  return applyDecorators(
    Get(path),
    ApiOperation({ operationId, summary }),
    ApiOkResponse({ description, content: { [mediaType]: { schema } } }),
    ApiProblemResponses({
      401: 'No bearer token, or one that is not accepted (with the access setting at token).',
      403: 'The token has no read role (with the access setting at token).',
      429: 'The client is over its rate limit.',
    }),
    ...(schema.type === 'string' ? [Header(HEADER.contentType, `${mediaType}; charset=utf-8`)] : []),
  );
}

/**
 * The contract itself, from `openapi/` (not a document rebuilt from the code's decorators), and
 * a Swagger UI page that renders it.
 */
@ApiTags('Documentation')
@Controller('api')
export class DocsController {
  private readonly assets = loadSwaggerUiAssets();

  constructor(@Inject(OPENAPI_SPEC) private readonly spec: OpenApiSpec) {}

  @DocsGet({
    path: 'openapi.yaml',
    operationId: 'getOpenApiYaml',
    summary: 'This contract, as YAML',
    description: 'The contract.',
    mediaType: 'application/yaml',
  })
  yaml(): string {
    return this.spec.yaml;
  }

  @DocsGet({
    path: 'openapi.json',
    operationId: 'getOpenApiJson',
    summary: 'This contract, as JSON',
    description: 'The contract.',
    mediaType: 'application/json',
    schema: {
      type: 'object',
      required: ['openapi', 'info', 'paths'],
      properties: { openapi: { type: 'string' }, info: { type: 'object' }, paths: { type: 'object' } },
    },
  })
  json(): OpenApiSpec['document'] {
    return this.spec.document;
  }

  @DocsGet({
    path: 'docs',
    operationId: 'getApiDocs',
    summary: 'API documentation',
    description: 'The documentation page.',
    mediaType: 'text/html',
  })
  page(): string {
    return SWAGGER_UI_HTML;
  }

  /** The page's own files: not an operation of the API. */
  @Get('docs/:asset')
  @ApiExcludeEndpoint()
  asset(@Param('asset') name: string, @Res() reply: FastifyReply): void {
    const asset = this.assets.get(name);
    if (!asset) throw new NotFoundException(`No file ${name} in the documentation.`);
    void reply.header(HEADER.cacheControl, 'public, max-age=3600').type(asset.contentType).send(asset.body);
  }
}
