import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../auth/decorators.js';
import { MetricQueryDto, MetricQueryResultDto } from '../dtos/metric-query.dto.js';
import { MetricQueryService } from '../services/metric-query.service.js';

@ApiTags('metrics')
@Controller('api/v1/metrics')
export class MetricController {
  constructor(private readonly service: MetricQueryService) {}

  @Get('query')
  @Auth('viewer')
  @ApiOperation({ summary: 'Query map data: sum, rate, max, avg, top-k, log2-histogram merge with p50/p90/p99' })
  @ApiOkResponse({ type: MetricQueryResultDto })
  query(@Query() q: MetricQueryDto): Promise<MetricQueryResultDto> {
    return this.service.query(q);
  }
}
