import { applyDecorators, createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Role } from '../entities/api-token.entity.js';
import type { Principal, RequestWithPrincipal } from './principal.js';

export const MIN_ROLE = 'bpfleet:min-role';
export const PUBLIC_ROUTE = 'bpfleet:public';

/** The route needs a bearer token with at least this role (admin > operator > viewer). */
export const Auth = (minimum: Role = 'viewer') =>
  applyDecorators(
    SetMetadata(MIN_ROLE, minimum),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'missing or unknown bearer token' }),
    ApiForbiddenResponse({ description: `needs role ${minimum} or higher` }),
  );

/** No token needed (health, metrics, the public key). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<RequestWithPrincipal>().principal;
  if (!principal) throw new Error('route has no principal: add @Auth()');
  return principal;
});
