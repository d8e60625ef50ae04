import { HttpException, Injectable, Logger, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { catchError, concatMap, from, throwError, type Observable } from 'rxjs';
import { AuditRepository } from '../repositories/audit.repository.js';
import type { RequestWithPrincipal } from './principal.js';

const MUTATIONS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Writes an audit row for every mutating call that got past authentication, successful or not.
 * Calls refused by the auth guard never reach interceptors; they are logged, not audited.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger(AuditInterceptor.name);
  constructor(private readonly audit: AuditRepository) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request & RequestWithPrincipal>();
    if (!MUTATIONS.has(request.method) || !request.principal) return next.handle();
    const principal = request.principal;
    const action = `${context.getClass().name}.${context.getHandler().name}`;
    const target = request.originalUrl.split('?')[0] ?? request.originalUrl;
    const write = (outcome: 'success' | 'failure', statusCode: number, details: Record<string, unknown>) =>
      this.audit
        .append({ at: new Date(), actor: principal.name, role: principal.role, tokenId: principal.tokenId, action, target, outcome, statusCode, details })
        .catch((e: unknown) => this.logger.error(`audit write failed: ${(e as Error).message}`));
    // The status Nest will send: @HttpCode's, else 201 for POST and 200 otherwise.
    const declared = Reflect.getMetadata('__httpCode__', context.getHandler()) as number | undefined;
    const successCode = declared ?? (request.method === 'POST' ? 201 : http.getResponse<Response>().statusCode);
    // Awaited before the response goes out: a mutation the caller saw succeed is always in the log.
    return next.handle().pipe(
      concatMap(async (value: unknown) => {
        await write('success', successCode, { method: request.method });
        return value;
      }),
      catchError((error: unknown) => {
        const status = error instanceof HttpException ? error.getStatus() : 500;
        return from(write('failure', status, { method: request.method, error: (error as Error).message })).pipe(concatMap(() => throwError(() => error)));
      }),
    );
  }
}
