// `node dist/main.js` after `npx tsc -p .` in this folder (PORT, default 3000; UPSTREAM_URL,
// default http://127.0.0.1:3001: `node ../express-bff/upstream.js` serves GET /items/:id there).
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { inboundMiddleware } from 'axios-keepalive';
import { AppModule } from './app.module';

async function bootstrap(): Promise<void> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
  const app = await NestFactory.create(AppModule.forUpstream(process.env.UPSTREAM_URL ?? 'http://127.0.0.1:3001', {
    logger,
    propagateHeaders: ['x-request-id', 'traceparent'],
    timeouts: { total: 5000 },
    summary: { interval: 60_000 },
  }));
  // Calls made while handling a request forward its x-request-id / traceparent.
  app.use(inboundMiddleware());
  app.enableShutdownHooks(); // SIGTERM -> app.close() -> the pool's close()
  await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
  logger.info(`nestjs-bff listening on ${await app.getUrl()}`);
}

void bootstrap();
