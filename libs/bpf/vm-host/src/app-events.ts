import { createServer, type Server, type Socket } from 'node:net';
import { unlinkSync } from 'node:fs';

/** One application event: a probe name and the bytes the program gets as its context (or packet). */
export interface AppEvent {
  readonly probe: string;
  readonly payload: Uint8Array;
}

const MAX_LINE = 128 * 1024;

/** Parse one line `{"probe": "name", "payload": "<hex>"}`; undefined when it is not one. */
export function parseAppEvent(line: string): AppEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { probe, payload } = v as { probe?: unknown; payload?: unknown };
  if (typeof probe !== 'string' || probe.length === 0 || probe.length > 128) return undefined;
  const hex = payload === undefined ? '' : payload;
  if (typeof hex !== 'string' || hex.length > MAX_LINE || !/^(?:[0-9a-fA-F]{2})*$/.test(hex)) return undefined;
  return { probe, payload: Uint8Array.from(Buffer.from(hex, 'hex')) };
}

/**
 * USDT-style application events over a local Unix stream socket: an application writes one JSON line
 * per event and the agent runs the VM programs matching the probe name on the payload. Malformed lines
 * are counted and skipped; an overlong line closes that connection.
 */
export class AppEventSocket {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  malformed = 0;

  constructor(
    readonly path: string,
    private readonly onEvent: (event: AppEvent) => void,
  ) {}

  async listen(): Promise<void> {
    try {
      unlinkSync(this.path);
    } catch {
      // No stale socket from a previous run.
    }
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line === '') continue;
        const event = parseAppEvent(line);
        if (event) this.onEvent(event);
        else this.malformed++;
      }
      if (pending.length > MAX_LINE) {
        this.malformed++;
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    try {
      unlinkSync(this.path);
    } catch {
      // Already removed.
    }
  }
}
