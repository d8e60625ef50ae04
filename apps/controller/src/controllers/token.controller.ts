import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, ApiCreatedResponse, ApiNoContentResponse } from '@nestjs/swagger';
import { Auth } from '../auth/decorators.js';
import { CreatedTokenDto, CreateTokenDto, TokenDto } from '../dtos/token.dto.js';
import { AuthService } from '../services/auth.service.js';

@ApiTags('tokens')
@Controller('api/v1/tokens')
export class TokenController {
  constructor(private readonly auth: AuthService) {}

  @Post()
  @Auth('admin')
  @ApiOperation({ summary: 'Create an API token (the token is returned once)' })
  @ApiCreatedResponse({ type: CreatedTokenDto })
  create(@Body() body: CreateTokenDto): Promise<CreatedTokenDto> {
    return this.auth.create(body.name, body.role);
  }

  @Get()
  @Auth('admin')
  @ApiOkResponse({ type: [TokenDto] })
  list(): Promise<TokenDto[]> {
    return this.auth.list();
  }

  @Delete(':id')
  @Auth('admin')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'revoked' })
  revoke(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.auth.revoke(id);
  }
}
