import { type DynamicModule, Module } from '@nestjs/common';
import { DocsController } from './docs.controller';
import { OPENAPI_SPEC, type OpenApiSpec } from './openapi-spec';

@Module({})
export class DocsModule {
  static forRoot(spec: OpenApiSpec): DynamicModule {
    return {
      module: DocsModule,
      controllers: [DocsController],
      providers: [{ provide: OPENAPI_SPEC, useValue: spec }],
    };
  }
}
