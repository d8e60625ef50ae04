import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export const AGGREGATIONS = ['sum', 'rate', 'max', 'avg', 'topk', 'histogram'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export const VALUE_MODES = ['counter'] as const;
export type ValueMode = (typeof VALUE_MODES)[number];

const GROUP_DIM = '(?:agent|key|label:[A-Za-z0-9_./-]{1,63}|key:[A-Za-z0-9_]{1,64})';
const GROUP_BY = new RegExp(`^${GROUP_DIM}(?:,${GROUP_DIM}){0,2}$`);

export class MetricQueryDto {
  @ApiProperty({ example: 'minimal' })
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, { message: 'invalid program name' })
  program!: string;

  @ApiProperty({ example: 'counter' })
  @IsString()
  @Matches(/^[A-Za-z0-9_.]{1,128}$/, { message: 'invalid map name' })
  map!: string;

  @ApiProperty({ enum: AGGREGATIONS })
  @IsIn(AGGREGATIONS)
  agg!: Aggregation;

  @ApiPropertyOptional({ description: 'start (ISO-8601), default: an hour before `to`' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'end (ISO-8601, exclusive), default: now' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ description: 'step in seconds', default: 60 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86_400)
  step?: number;

  @ApiPropertyOptional({ description: 'group by up to three of `agent`, `label:<name>`, `key`, `key:<field>`, comma separated (group names joined by `/`); not with histogram', example: 'agent,key' })
  @IsOptional()
  @Matches(GROUP_BY, { message: 'groupBy must be up to three of agent, key, key:<field> or label:<name>, comma separated' })
  groupBy?: string;

  @ApiPropertyOptional({ description: 'aggregate this field of a struct value (dot path into the decoded value, e.g. `packets` or `stats.bytes`); per-CPU values are summed over CPUs', example: 'packets' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_]{1,64}(\.[A-Za-z0-9_]{1,64}){0,7}$/, { message: 'field must be a dot path of field names' })
  field?: string;

  @ApiPropertyOptional({ enum: VALUE_MODES, description: '`counter`: the map sends whole values that are running totals (e.g. a struct of packet and byte counters): use their increase between snapshots' })
  @IsOptional()
  @IsIn(VALUE_MODES, { message: `as must be one of ${VALUE_MODES.join(', ')}` })
  as?: ValueMode;

  @ApiPropertyOptional({ description: 'only this agent' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'invalid agent id' })
  agent?: string;

  @ApiPropertyOptional({ description: 'only agents with this label: name=value' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_./-]{1,63}=[^=]{0,63}$/, { message: 'label must be name=value' })
  label?: string;

  @ApiPropertyOptional({ description: 'only entries whose decoded key field equals a value: field=value' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_]{1,64}=.{0,128}$/, { message: 'key must be field=value' })
  key?: string;

  @ApiPropertyOptional({ description: 'top-k size', default: 10 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  k?: number;
}

export class SeriesDto {
  @ApiProperty({ description: 'group value (agent id, label value, key) or "all"' }) group!: string;
  @ApiProperty({ type: 'array', items: { type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'number' }] } }, description: '[iso time, value] pairs' })
  points!: [string, number][];
}

export class HistogramBucketDto {
  @ApiProperty() slot!: number;
  @ApiProperty() lower!: number;
  @ApiProperty() upper!: number;
  @ApiProperty() count!: number;
}

export class MetricQueryResultDto {
  @ApiProperty({ enum: AGGREGATIONS }) agg!: Aggregation;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty() step!: number;
  @ApiPropertyOptional({ type: [SeriesDto] }) series?: SeriesDto[];
  @ApiPropertyOptional({ type: 'array', items: { type: 'object', properties: { group: { type: 'string' }, value: { type: 'number' } } } }) top?: { group: string; value: number }[];
  @ApiPropertyOptional({ type: [HistogramBucketDto] }) buckets?: HistogramBucketDto[];
  @ApiPropertyOptional({ type: 'object', properties: { total: { type: 'number' }, p50: { type: 'number' }, p90: { type: 'number' }, p99: { type: 'number' } } })
  percentiles?: { total: number; p50: number | null; p90: number | null; p99: number | null };
}
