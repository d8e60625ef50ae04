import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../auth/decorators.js';
import { AgentDto, AgentQueryDto, KernelMatrixDto } from '../dtos/agent.dto.js';
import { AgentService } from '../services/agent.service.js';

@ApiTags('agents')
@Controller('api/v1')
export class AgentController {
  constructor(private readonly service: AgentService) {}

  @Get('agents')
  @Auth('viewer')
  @ApiOperation({ summary: 'List agents with capabilities, labels, runtime, loaded programs and last seen' })
  @ApiOkResponse({ type: [AgentDto] })
  list(@Query() query: AgentQueryDto): Promise<AgentDto[]> {
    return this.service.list(query);
  }

  @Get('kernel-matrix')
  @Auth('viewer')
  @ApiOperation({ summary: 'Kernel profiles every version is verified against' })
  @ApiOkResponse({ type: KernelMatrixDto })
  kernelMatrix(): Promise<KernelMatrixDto> {
    return this.service.kernelMatrix();
  }
}
