import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';

export class AgentQueryDto {
  @ApiPropertyOptional({ enum: ['online', 'stale', 'offline'] })
  @IsOptional()
  @IsIn(['online', 'stale', 'offline'])
  status?: 'online' | 'stale' | 'offline';

  @ApiPropertyOptional({ description: 'label selector: k=v[,k=v]', example: 'env=prod,zone=a' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_./-]+=[^,=]*(,[A-Za-z0-9_./-]+=[^,=]*)*$/, { message: 'selector must be k=v[,k=v...]' })
  selector?: string;
}

export class AgentDto {
  @ApiProperty() id!: string;
  @ApiProperty() hostname!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<string, string>;
  @ApiProperty() kernelRelease!: string;
  @ApiProperty() kernelProfile!: string;
  @ApiProperty() btf!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true }) capabilities!: object;
  @ApiProperty() cpus!: number;
  @ApiProperty({ enum: ['auto', 'kernel', 'vm'] }) runtime!: string;
  @ApiProperty() agentVersion!: string;
  @ApiProperty({ enum: ['online', 'stale', 'offline'] }) status!: string;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'last per-program status the agent reported' }) programs!: object[];
  @ApiProperty() agentErrors!: number;
  @ApiProperty() firstSeen!: string;
  @ApiProperty() lastSeen!: string;
}

export class KernelMatrixDto {
  @ApiProperty({ type: [String] }) profiles!: string[];
  @ApiProperty({ enum: ['pinned', 'agents', 'default'] }) source!: string;
  @ApiProperty({ type: [String], description: 'profiles the verifier knows' }) known!: string[];
}
