import { Controller, Get, Header, HttpCode, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags, ApiProperty } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/decorators.js';
import { HealthService, type ReadinessReport } from '../services/health.service.js';
import { MetricsService } from '../services/metrics.service.js';
import { SigningKeyService } from '../services/signing-key.service.js';

class PublicKeyDto {
  @ApiProperty({ example: 'ed25519' }) algorithm!: string;
  @ApiProperty({ description: 'SPKI PEM' }) publicKey!: string;
}

@ApiTags('system')
@Controller()
export class SystemController {
  constructor(
    private readonly health: HealthService,
    private readonly metrics: MetricsService,
    private readonly signing: SigningKeyService,
  ) {}

  @Get('healthz')
  @Public()
  @ApiOperation({ summary: 'Liveness: the process is up' })
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @Public()
  @ApiOperation({ summary: 'Readiness: Postgres, Redis and NATS answer' })
  @ApiServiceUnavailableResponse({ description: 'a dependency is down' })
  async readyz(@Res({ passthrough: true }) res: Response): Promise<ReadinessReport> {
    const report = await this.health.readiness();
    res.status(report.ready ? 200 : 503);
    return report;
  }

  @Get('metrics')
  @Public()
  @HttpCode(200)
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics' })
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }

  @Get('api/v1/signing/public-key')
  @Public()
  @ApiOperation({ summary: 'The ed25519 public key agents verify artifacts with' })
  @ApiOkResponse({ type: PublicKeyDto })
  publicKey(): PublicKeyDto {
    return { algorithm: 'ed25519', publicKey: this.signing.publicKeyPem };
  }
}
