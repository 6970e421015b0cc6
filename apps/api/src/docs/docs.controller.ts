import { Controller, Get, Header, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { HEADER } from '../common/http-headers';
import { ApiProblemResponses } from '../problem/problem-details.dto';
import { OPENAPI_SPEC, type OpenApiSpec } from './openapi-spec';
import { loadSwaggerUiAssets, SWAGGER_UI_HTML } from './swagger-ui';

/**
 * The contract itself, from `openapi/` (not a document rebuilt from the code's decorators), and
 * a Swagger UI page that renders it.
 */
const RATE_LIMITED = { 429: 'The client is over its rate limit.' };

@ApiTags('Documentation')
@Controller('api')
export class DocsController {
  private readonly assets = loadSwaggerUiAssets();

  constructor(@Inject(OPENAPI_SPEC) private readonly spec: OpenApiSpec) {}

  @Get('openapi.yaml')
  @ApiOperation({ operationId: 'getOpenApiYaml', summary: 'This contract, as YAML' })
  @ApiOkResponse({ description: 'The contract.', content: { 'application/yaml': { schema: { type: 'string' } } } })
  @ApiProblemResponses(RATE_LIMITED)
  @Header(HEADER.contentType, 'application/yaml; charset=utf-8')
  yaml(): string {
    return this.spec.yaml;
  }

  @Get('openapi.json')
  @ApiOperation({ operationId: 'getOpenApiJson', summary: 'This contract, as JSON' })
  @ApiOkResponse({
    description: 'The contract.',
    content: {
      'application/json': {
        schema: {
          type: 'object',
          required: ['openapi', 'info', 'paths'],
          properties: { openapi: { type: 'string' }, info: { type: 'object' }, paths: { type: 'object' } },
        },
      },
    },
  })
  @ApiProblemResponses(RATE_LIMITED)
  json(): OpenApiSpec['document'] {
    return this.spec.document;
  }

  @Get('docs')
  @ApiOperation({ operationId: 'getApiDocs', summary: 'API documentation' })
  @ApiOkResponse({ description: 'The documentation page.', content: { 'text/html': { schema: { type: 'string' } } } })
  @ApiProblemResponses(RATE_LIMITED)
  @Header(HEADER.contentType, 'text/html; charset=utf-8')
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
