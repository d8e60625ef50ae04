import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The controller's Prometheus registry (its own, so tests can build several apps in one process). */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({ name: 'bpfleet_http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'] as const, registers: [this.registry] });
  readonly httpDuration = new Histogram({ name: 'bpfleet_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route'] as const, buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers: [this.registry] });
  readonly uploads = new Counter({ name: 'bpfleet_uploads_total', help: 'program uploads by outcome', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly verifications = new Counter({ name: 'bpfleet_verifications_total', help: 'verification jobs by verdict', labelNames: ['verdict'] as const, registers: [this.registry] });
  readonly natsMessages = new Counter({ name: 'bpfleet_nats_messages_total', help: 'agent messages by kind and outcome', labelNames: ['kind', 'outcome'] as const, registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'bpfleet_controller_' });
  }
}
