import { ForbiddenException, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Role } from '../entities/api-token.entity.js';
import { AuthService } from '../services/auth.service.js';
import { MIN_ROLE, PUBLIC_ROUTE } from './decorators.js';
import { roleAtLeast, type RequestWithPrincipal } from './principal.js';

/**
 * Global guard: every route needs a bearer token unless marked @Public(); @Auth(role) sets the minimum
 * role (viewer when a route forgets to say).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const minimum = this.reflector.getAllAndOverride<Role>(MIN_ROLE, targets) ?? 'viewer';
    const request = context.switchToHttp().getRequest<Request & RequestWithPrincipal>();
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new UnauthorizedException('missing bearer token (Authorization: Bearer <token>)');
    const principal = await this.auth.authenticate(match[1]!);
    if (!principal) throw new UnauthorizedException('unknown or revoked token');
    request.principal = principal;
    if (!roleAtLeast(principal.role, minimum)) {
      throw new ForbiddenException(`role ${principal.role} cannot do this: needs ${minimum} or higher`);
    }
    return true;
  }
}
