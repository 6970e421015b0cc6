import { Controller, Get, Header, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { OPENAPI_SPEC, type OpenApiSpec } from './openapi-spec';
import { loadSwaggerUiAssets, SWAGGER_UI_HTML } from './swagger-ui';

/**
 * The contract itself, from `openapi/` (not a document rebuilt from the code's decorators), and
 * a Swagger UI page that renders it.
 */
@Controller('api')
export class DocsController {
  private readonly assets = loadSwaggerUiAssets();

  constructor(@Inject(OPENAPI_SPEC) private readonly spec: OpenApiSpec) {}

  @Get('openapi.yaml')
  @Header('Content-Type', 'application/yaml; charset=utf-8')
  yaml(): string {
    return this.spec.yaml;
  }

  @Get('openapi.json')
  json(): OpenApiSpec['document'] {
    return this.spec.document;
  }

  @Get('docs')
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return SWAGGER_UI_HTML;
  }

  @Get('docs/:asset')
  asset(@Param('asset') name: string, @Res() reply: FastifyReply): void {
    const asset = this.assets.get(name);
    if (!asset) throw new NotFoundException(`No file ${name} in the documentation.`);
    void reply.header('Cache-Control', 'public, max-age=3600').type(asset.contentType).send(asset.body);
  }
}
