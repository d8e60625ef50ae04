import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsNumber, IsObject, IsOptional, IsString, Matches, Max, Min, ValidateNested, Length } from 'class-validator';
import { PROGRAM_NAME_RE } from './program.dto.js';

export class StrategyDto {
  @ApiProperty({ enum: ['all', 'canary'] })
  @IsIn(['all', 'canary'])
  type!: 'all' | 'canary';

  @ApiPropertyOptional({ description: 'canary: percent of targets in the first wave', default: 10 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  percent?: number;

  @ApiPropertyOptional({ description: 'canary: waves after the canary', default: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  waves?: number;

  @ApiPropertyOptional({ description: 'canary: pause between waves, seconds', default: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(86_400)
  pauseSeconds?: number;
}

export class HealthGateDto {
  @ApiPropertyOptional({ default: 0 }) @IsOptional() @IsInt() @Min(0) maxFailedLoads?: number;
  @ApiPropertyOptional({ default: 0 }) @IsOptional() @IsInt() @Min(0) maxAgentErrors?: number;
  @ApiPropertyOptional({ default: 0 }) @IsOptional() @IsInt() @Min(0) @Max(86_400) minHealthySeconds?: number;
  @ApiPropertyOptional({ description: 'program overhead: most average run time (ns per run) on any agent, from its run counters (kernel bpf_stats or the VM)' })
  @IsOptional() @IsInt() @Min(1) @Max(1_000_000_000) maxAvgRunNs?: number;
  @ApiPropertyOptional({ description: 'program overhead: most CPU time on any agent since it loaded the version, percent of one CPU' })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0.001) @Max(6400) maxCpuPercent?: number;
  @ApiPropertyOptional({ description: 'runs an agent must have counted before its average run time is judged', default: 100 })
  @IsOptional() @IsInt() @Min(1) minRuns?: number;
  @ApiPropertyOptional({ enum: ['rollback', 'pause'], default: 'rollback', description: 'what a failed gate does' })
  @IsOptional() @IsIn(['rollback', 'pause']) action?: 'rollback' | 'pause';
}

export class CreateRolloutDto {
  @ApiProperty() @Matches(PROGRAM_NAME_RE, { message: 'invalid program name' }) program!: string;
  @ApiProperty() @IsInt() @Min(1) version!: number;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: 'agent labels that must all match; {} = every agent' })
  @IsOptional()
  @IsObject()
  selector?: Record<string, string>;

  @ApiProperty({ type: StrategyDto }) @IsDefined({ message: 'strategy is required' }) @IsObject() @ValidateNested() @Type(() => StrategyDto) strategy!: StrategyDto;
  @ApiPropertyOptional({ type: HealthGateDto }) @IsOptional() @ValidateNested() @Type(() => HealthGateDto) healthGate?: HealthGateDto;
}

export class RolloutActionDto {
  @ApiPropertyOptional({ description: 'why (kept with the rollout)' })
  @IsOptional()
  @IsString()
  @Length(0, 512)
  reason?: string;
}

export class RolloutTargetDto {
  @ApiProperty() agentId!: string;
  @ApiProperty() wave!: number;
  @ApiProperty({ enum: ['pending', 'desired', 'loaded', 'failed', 'skipped', 'rolled_back'] }) state!: string;
  @ApiProperty({ type: String, nullable: true }) detail!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'version the agent had before (restored on rollback)' }) previousVersion!: number | null;
  @ApiProperty() updatedAt!: string;
}

export class RolloutDto {
  @ApiProperty() id!: string;
  @ApiProperty() program!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ type: Number, nullable: true }) previousVersion!: number | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) selector!: Record<string, string>;
  @ApiProperty({ type: 'object', additionalProperties: true }) strategy!: object;
  @ApiProperty({ type: 'object', additionalProperties: true }) healthGate!: object;
  @ApiProperty({ enum: ['running', 'paused', 'completed', 'aborted', 'rolling_back', 'rolled_back'] }) state!: string;
  @ApiProperty() currentWave!: number;
  @ApiProperty() waves!: number;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty() createdBy!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) counts!: Record<string, number>;
  @ApiPropertyOptional({ type: [RolloutTargetDto] }) targets?: RolloutTargetDto[];
}
