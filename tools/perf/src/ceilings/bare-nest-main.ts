import 'reflect-metadata';
import { Controller, Get, Module, Query } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { countersReader, type CountersReader } from './counters-reader';

/**
 * The bare ceilings: NestJS and Fastify as the service uses them, and nothing else (no logs,
 * metrics, headers, limits or validation). Without DATABASE_URL, one GET answering the same
 * JSON as the all-tenant summary; with it, the same GET running the raw ceiling's one query per
 * request (`/summary?msTenantId=<id>`): what NestJS itself adds to an answer fresh from the
 * database. Listens on HOST:PORT.
 */
const read: CountersReader | undefined = process.env.DATABASE_URL
  ? countersReader(process.env.DATABASE_URL)
  : undefined;

@Controller()
class SummaryController {
  @Get('summary')
  summary(@Query('msTenantId') tenant?: string) {
    if (read) return read(tenant);
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
