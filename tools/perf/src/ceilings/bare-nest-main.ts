import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * The bare ceiling: NestJS and Fastify as the service uses them, one GET answering the same
 * JSON as the all-tenant summary, and nothing else (no database, logs, metrics, headers or
 * limits). Listens on HOST:PORT.
 */
@Controller()
class SummaryController {
  @Get('summary')
  summary() {
    return { markedForRemovalCount: 54, readyForRemovalCount: 23, totalCount: 77 };
  }
}

@Module({ controllers: [SummaryController] })
class BareModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), { logger: false });
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
}

void main();
