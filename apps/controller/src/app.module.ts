import { Injectable, Module, ValidationPipe, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { MulterModule } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { AuditInterceptor } from './auth/audit.interceptor.js';
import { AuthGuard } from './auth/auth.guard.js';
import { CONTROLLER_CONFIG, type ControllerConfig } from './config/config.js';
import { AgentController } from './controllers/agent.controller.js';
import { AuditController } from './controllers/audit.controller.js';
import { ProgramController } from './controllers/program.controller.js';
import { SystemController } from './controllers/system.controller.js';
import { TokenController } from './controllers/token.controller.js';
import { openDataSource } from './database/database.providers.js';
import { VerificationProcessor } from './jobs/verification.processor.js';
import { NatsService } from './nats/nats.service.js';
import { AgentGatewayService } from './nats/agent-gateway.service.js';
import { AgentRegistryService } from './services/agent-registry.service.js';
import { MetricIngestService } from './services/metric-ingest.service.js';
import { MetricQueryService } from './services/metric-query.service.js';
import { MetricController } from './controllers/metric.controller.js';
import { RolloutController } from './controllers/rollout.controller.js';
import { RolloutProcessor } from './jobs/rollout.processor.js';
import { MaintenanceProcessor } from './jobs/maintenance.processor.js';
import { RolloutRepository } from './repositories/rollout.repository.js';
import { DesiredStateService } from './services/desired-state.service.js';
import { RolloutService } from './services/rollout.service.js';
import { MetricMaintenanceService } from './services/metric-maintenance.service.js';
import { AgentRepository } from './repositories/agent.repository.js';
import { ApiTokenRepository } from './repositories/api-token.repository.js';
import { AuditRepository } from './repositories/audit.repository.js';
import { ProgramRepository } from './repositories/program.repository.js';
import { VerificationRepository } from './repositories/verification.repository.js';
import { AgentService } from './services/agent.service.js';
import { ArtifactService } from './services/artifact.service.js';
import { AuthService } from './services/auth.service.js';
import { HealthService } from './services/health.service.js';
import { KernelMatrixService } from './services/kernel-matrix.service.js';
import { MetricsService } from './services/metrics.service.js';
import { ProgramService } from './services/program.service.js';
import { QueueService } from './services/queue.service.js';
import { RedisService } from './services/redis.service.js';
import { SigningKeyService } from './services/signing-key.service.js';
import { VerificationService } from './services/verification.service.js';
import { ObjectValidator } from './verification/object-validator.js';
import { PROGRAM_VERIFIER } from './verification/program-verifier.js';
import { createProgramVerifier } from './verification/verifier.factory.js';

/** Start-up and shutdown of what has no better home: the admin bootstrap and the database pool. */
@Injectable()
class Lifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly auth: AuthService,
    private readonly dataSource: DataSource,
  ) {}
  async onApplicationBootstrap(): Promise<void> {
    await this.auth.bootstrapAdmin();
  }
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

@Module({})
export class AppModule {
  static forConfig(config: ControllerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [MulterModule.register({ limits: { fileSize: config.MAX_UPLOAD_BYTES, files: 1, fields: 16, fieldSize: 1024 * 1024 + 1024 } })],
      controllers: [SystemController, ProgramController, AgentController, TokenController, AuditController, MetricController, RolloutController],
      providers: [
        { provide: CONTROLLER_CONFIG, useValue: config },
        { provide: DataSource, useFactory: () => openDataSource(config) },
        {
          provide: NatsService,
          useFactory: async (c: ControllerConfig) => {
            const nats = new NatsService(c);
            await nats.start();
            return nats;
          },
          inject: [CONTROLLER_CONFIG],
        },
        { provide: PROGRAM_VERIFIER, useFactory: () => createProgramVerifier() },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
        { provide: APP_PIPE, useValue: new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }) },
        Lifecycle,
        MetricsService,
        RedisService,
        QueueService,
        SigningKeyService,
        ArtifactService,
        HealthService,
        ObjectValidator,
        KernelMatrixService,
        VerificationService,
        VerificationProcessor,
        ProgramService,
        AgentService,
        AgentRegistryService,
        AgentGatewayService,
        MetricIngestService,
        MetricQueryService,
        MetricMaintenanceService,
        MaintenanceProcessor,
        DesiredStateService,
        RolloutService,
        RolloutProcessor,
        RolloutRepository,
        AuthService,
        AgentRepository,
        ApiTokenRepository,
        AuditRepository,
        ProgramRepository,
        VerificationRepository,
      ],
    };
  }
}
