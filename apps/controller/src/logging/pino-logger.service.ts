import type { LoggerService } from '@nestjs/common';
import { pino, type Logger, type LevelWithSilent } from 'pino';

/** Nest's LoggerService over pino: one JSON line per event, with Nest's context as `context`. */
export class PinoLoggerService implements LoggerService {
  readonly pino: Logger;

  constructor(level: LevelWithSilent = 'info', destination?: pino.DestinationStream) {
    this.pino = destination ? pino({ level, base: { service: 'bpfleet-controller' } }, destination) : pino({ level, base: { service: 'bpfleet-controller' } });
  }

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, params: unknown[]): void {
    const context = typeof params[params.length - 1] === 'string' ? (params[params.length - 1] as string) : undefined;
    const extra = level === 'error' && typeof params[0] === 'string' && params.length > 1 ? { stack: params[0] } : {};
    if (message instanceof Error) {
      this.pino[level]({ context, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.pino[level]({ context, ...extra, ...(message as Record<string, unknown>) });
    } else {
      this.pino[level]({ context, ...extra }, String(message));
    }
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }
}
