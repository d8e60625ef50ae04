import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Length, Matches } from 'class-validator';
import { ROLES, type Role } from '../entities/api-token.entity.js';

export class CreateTokenDto {
  @ApiProperty({ example: 'ci-pipeline' })
  @IsString()
  @Length(1, 64)
  @Matches(/^[A-Za-z0-9_.@-]+$/, { message: 'name may hold letters, digits and _ . @ - only' })
  name!: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES as Role[])
  role!: Role;
}

export class TokenDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ type: String, nullable: true }) lastUsedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) revokedAt!: string | null;
}

export class CreatedTokenDto extends TokenDto {
  @ApiProperty({ description: 'the bearer token: shown once, stored only as a hash' })
  token!: string;
}
