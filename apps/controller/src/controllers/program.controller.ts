import { Body, Controller, Get, HttpCode, Param, Post, Query, Res, StreamableFile, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import type { Response } from 'express';
import { ApiBadRequestResponse, ApiConsumes, ApiBody, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse, ApiPayloadTooLargeResponse, ApiProduces, ApiNotFoundResponse } from '@nestjs/swagger';
import { Auth, CurrentPrincipal } from '../auth/decorators.js';
import type { Principal } from '../auth/principal.js';
import { ProgramDto, ProgramNameParams, ProgramVersionParams, UploadProgramBodyDto, UploadProgramDto, UploadResultDto, VerificationQueryDto, VerificationReportDto, VersionDto } from '../dtos/program.dto.js';
import { ProgramService } from '../services/program.service.js';

/** What multer hands over for the `object` field (memory storage). */
interface UploadedObject {
  readonly buffer: Buffer;
  readonly size: number;
}

@ApiTags('programs')
@Controller('api/v1/programs')
export class ProgramController {
  constructor(private readonly service: ProgramService) {}

  @Post()
  @Auth('operator')
  @HttpCode(200)
  @UseInterceptors(FileInterceptor('object'))
  @ApiOperation({ summary: 'Upload an ELF object as a new version (identical bytes return the existing version)' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: UploadProgramBodyDto })
  @ApiOkResponse({ type: UploadResultDto })
  @ApiBadRequestResponse({ description: 'missing object or invalid fields' })
  @ApiUnprocessableEntityResponse({ description: 'not ELF, truncated or not eBPF (nothing stored)' })
  @ApiPayloadTooLargeResponse({ description: 'object larger than MAX_UPLOAD_BYTES' })
  upload(@CurrentPrincipal() principal: Principal, @Body() body: UploadProgramDto, @UploadedFile() file: UploadedObject | undefined): Promise<UploadResultDto> {
    return this.service.upload(principal, body, file);
  }

  @Get()
  @Auth('viewer')
  @ApiOperation({ summary: 'List programs' })
  @ApiOkResponse({ type: [ProgramDto] })
  list(): Promise<ProgramDto[]> {
    return this.service.list();
  }

  @Get(':name')
  @Auth('viewer')
  @ApiOkResponse({ type: ProgramDto })
  @ApiNotFoundResponse()
  get(@Param() p: ProgramNameParams): Promise<ProgramDto> {
    return this.service.get(p.name);
  }

  @Get(':name/versions')
  @Auth('viewer')
  @ApiOkResponse({ type: [VersionDto] })
  versions(@Param() p: ProgramNameParams): Promise<VersionDto[]> {
    return this.service.versions(p.name);
  }

  @Get(':name/versions/:version')
  @Auth('viewer')
  @ApiOkResponse({ type: VersionDto })
  version(@Param() p: ProgramVersionParams): Promise<VersionDto> {
    return this.service.version(p.name, p.version);
  }

  @Get(':name/versions/:version/verification')
  @Auth('viewer')
  @ApiOperation({ summary: 'Verification report per kernel profile, with job progress' })
  @ApiOkResponse({ type: VerificationReportDto })
  verification(@Param() p: ProgramVersionParams, @Query() q: VerificationQueryDto): Promise<VerificationReportDto> {
    return this.service.verificationReport(p.name, p.version, q.profile);
  }

  @Post(':name/versions/:version/verify')
  @Auth('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'Queue verification again (e.g. after the kernel matrix grew)' })
  @ApiOkResponse({ type: UploadResultDto })
  reverify(@Param() p: ProgramVersionParams): Promise<UploadResultDto> {
    return this.service.reverify(p.name, p.version);
  }

  @Get(':name/versions/:version/object')
  @Auth('viewer')
  @ApiOperation({ summary: 'Download the ELF object' })
  @ApiProduces('application/octet-stream')
  async download(@Param() p: ProgramVersionParams, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    const { bytes, digest, fileName } = await this.service.download(p.name, p.version);
    res.setHeader('X-Content-SHA256', digest);
    return new StreamableFile(bytes, { type: 'application/octet-stream', disposition: `attachment; filename="${fileName}"`, length: bytes.length });
  }
}
