import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, MaxLength, Min } from 'class-validator';

export const PROGRAM_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Multipart fields beside the `object` file. */
export class UploadProgramDto {
  @ApiProperty({ example: 'tcp-retransmits', description: 'program name (letters, digits, _ . -)' })
  @IsString()
  @Matches(PROGRAM_NAME_RE, { message: 'name must be 1-128 of letters, digits, _ . - and start with a letter or digit' })
  name!: string;

  @ApiPropertyOptional({ description: 'description, set when the program is created' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  @ApiPropertyOptional({ description: 'source code kept beside the object (C or assembly)' })
  @IsOptional()
  @IsString()
  @MaxLength(1024 * 1024)
  source?: string;

  @ApiPropertyOptional({ enum: ['c', 'asm'] })
  @IsOptional()
  @IsIn(['c', 'asm'])
  sourceLang?: 'c' | 'asm';

  @ApiPropertyOptional({ description: 'the version this one derives from (lineage); defaults to the latest' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  parentVersion?: number;
}

/** The OpenAPI shape of the multipart body. */
export class UploadProgramBodyDto extends UploadProgramDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'the ELF object (clang -O2 -g -target bpf -c)' })
  object!: unknown;
}

export class ProgramNameParams {
  @ApiProperty()
  @Matches(PROGRAM_NAME_RE, { message: 'invalid program name' })
  name!: string;
}

export class ProgramVersionParams extends ProgramNameParams {
  @ApiProperty()
  @Type(() => Number)
  @IsInt({ message: 'version must be an integer' })
  @Min(1, { message: 'version must be 1 or more' })
  version!: number;
}

export class VerificationQueryDto {
  @ApiPropertyOptional({ example: '6.1', description: 'only this kernel profile' })
  @IsOptional()
  @IsString()
  @Length(1, 32)
  profile?: string;
}

export class ObjectProgramDto {
  @ApiProperty() name!: string;
  @ApiProperty() section!: string;
}

export class VersionDto {
  @ApiProperty() id!: string;
  @ApiProperty() program!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ description: 'sha256 of the object, hex' }) digest!: string;
  @ApiProperty() size!: number;
  @ApiProperty({ enum: ['pending', 'verifying', 'signed', 'rejected', 'error'] }) status!: string;
  @ApiProperty() uploader!: string;
  @ApiProperty({ type: Number, nullable: true }) parentVersion!: number | null;
  @ApiProperty({ type: String, nullable: true }) sourceLang!: string | null;
  @ApiProperty({ type: [ObjectProgramDto] }) programs!: ObjectProgramDto[];
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: String, nullable: true, description: 'base64 ed25519 signature once signed' }) signature!: string | null;
}

export class UploadResultDto {
  @ApiProperty({ description: 'false when identical bytes were already a version: that version is returned' })
  created!: boolean;
  @ApiProperty({ type: VersionDto }) version!: VersionDto;
  @ApiProperty({ type: [String], description: 'kernel profiles queued for verification' }) queuedProfiles!: string[];
}

export class ProgramDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty() versions!: number;
  @ApiProperty({ type: Number, nullable: true }) latestVersion!: number | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class JobProgressDto {
  @ApiProperty({ description: 'BullMQ state: waiting, active, completed, failed, delayed, unknown' }) state!: string;
  @ApiProperty() progress!: number;
  @ApiProperty() attemptsMade!: number;
  @ApiProperty({ type: String, nullable: true }) failedReason!: string | null;
}

export class ProgramVerdictDto {
  @ApiProperty() program!: string;
  @ApiProperty() section!: string;
  @ApiProperty({ enum: ['pass', 'fail'] }) verdict!: string;
  @ApiProperty() processedInsns!: number;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty() log!: string;
  @ApiProperty() verifier!: string;
  @ApiProperty() durationMs!: number;
}

export class ProfileReportDto {
  @ApiProperty() kernelProfile!: string;
  @ApiProperty({ enum: ['queued', 'running', 'passed', 'failed', 'error'] }) state!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: JobProgressDto, nullable: true }) job!: JobProgressDto | null;
  @ApiProperty({ type: [ProgramVerdictDto] }) results!: ProgramVerdictDto[];
}

export class VerificationReportDto {
  @ApiProperty({ type: VersionDto }) version!: VersionDto;
  @ApiProperty({ type: [ProfileReportDto] }) profiles!: ProfileReportDto[];
}
