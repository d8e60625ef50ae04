import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { AppModule } from './app.module.js';
import type { ControllerConfig } from './config/config.js';
import { PinoLoggerService } from './logging/pino-logger.service.js';
import { MetricsService } from './services/metrics.service.js';

/** Build the controller app (not listening yet): used by main.ts and by the integration tests. */
export async function createControllerApp(config: ControllerConfig, logger = new PinoLoggerService(config.LOG_LEVEL)): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), { logger, abortOnError: false });
  app.enableShutdownHooks();
  const metrics = app.get(MetricsService);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const end = metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      end({ route });
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('bpfleet controller').setDescription('Program registry, central verification, signing, agents').setVersion('0.1.0').addBearerAuth().build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  return app;
}
