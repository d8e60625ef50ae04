import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags, ApiConflictResponse } from '@nestjs/swagger';
import { Auth, CurrentPrincipal } from '../auth/decorators.js';
import type { Principal } from '../auth/principal.js';
import { CreateRolloutDto, RolloutActionDto, RolloutDto } from '../dtos/rollout.dto.js';
import { RolloutService } from '../services/rollout.service.js';

@ApiTags('rollouts')
@Controller('api/v1/rollouts')
export class RolloutController {
  constructor(private readonly service: RolloutService) {}

  @Post()
  @Auth('operator')
  @ApiOperation({ summary: 'Start a rollout of a signed version to the agents matching a selector' })
  @ApiCreatedResponse({ type: RolloutDto })
  @ApiConflictResponse({ description: 'the program already has an active rollout' })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateRolloutDto): Promise<RolloutDto> {
    return this.service.create(principal, body);
  }

  @Get()
  @Auth('viewer')
  @ApiOkResponse({ type: [RolloutDto] })
  list(): Promise<RolloutDto[]> {
    return this.service.list();
  }

  @Get(':id')
  @Auth('viewer')
  @ApiOperation({ summary: 'A rollout with per-agent state' })
  @ApiOkResponse({ type: RolloutDto })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<RolloutDto> {
    return this.service.get(id);
  }

  @Post(':id/pause')
  @Auth('operator')
  @HttpCode(200)
  @ApiOkResponse({ type: RolloutDto })
  pause(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: RolloutActionDto): Promise<RolloutDto> {
    return this.service.pause(id, body.reason);
  }

  @Post(':id/resume')
  @Auth('operator')
  @HttpCode(200)
  @ApiOkResponse({ type: RolloutDto })
  resume(@Param('id', new ParseUUIDPipe()) id: string): Promise<RolloutDto> {
    return this.service.resume(id);
  }

  @Post(':id/abort')
  @Auth('operator')
  @HttpCode(200)
  @ApiOkResponse({ type: RolloutDto })
  abort(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: RolloutActionDto): Promise<RolloutDto> {
    return this.service.abort(id, body.reason);
  }

  @Post(':id/rollback')
  @Auth('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'Restore the previous version (or remove the program) on every touched agent' })
  @ApiOkResponse({ type: RolloutDto })
  rollback(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: RolloutActionDto): Promise<RolloutDto> {
    return this.service.rollback(id, body.reason);
  }
}
