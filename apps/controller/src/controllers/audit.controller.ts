import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../auth/decorators.js';
import { AuditEntryDto, AuditQueryDto } from '../dtos/audit.dto.js';
import { AuditRepository } from '../repositories/audit.repository.js';

@ApiTags('audit')
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditRepository) {}

  @Get()
  @Auth('admin')
  @ApiOperation({ summary: 'Audit log of every mutation, newest first' })
  @ApiOkResponse({ type: [AuditEntryDto] })
  async list(@Query() q: AuditQueryDto): Promise<AuditEntryDto[]> {
    const rows = await this.audit.listRecent(q.limit ?? 100, q.before?.toString());
    return rows.map((r) => ({ id: r.id, at: r.at.toISOString(), actor: r.actor, role: r.role, action: r.action, target: r.target, outcome: r.outcome, statusCode: r.statusCode, details: r.details }));
  }
}
