import type { BpfProgramSpec } from '@bpfleet/elf';
import { AppEventSocket } from '../app-events.js';
import { deferred, type SourceStats, type VmEvent, type VmEventSource } from './source.js';

/**
 * Application events over a Unix socket (app-events.ts) as a source: every program may match a probe
 * name, so it feeds everything; VmRunningProgram.deliver picks the programs by probe name.
 */
export class AppEventSource implements VmEventSource {
  readonly description: string;
  private socket: AppEventSocket | undefined;
  private readonly finished = deferred();
  private events = 0;

  constructor(readonly path: string) {
    this.description = `app events ${path}`;
  }

  get done(): Promise<void> {
    return this.finished.promise;
  }

  feeds(_spec: BpfProgramSpec): boolean {
    return true;
  }

  async start(sink: (event: VmEvent) => void): Promise<void> {
    this.socket = new AppEventSocket(this.path, (e) => {
      this.events++;
      sink({ kind: 'app', probe: e.probe, payload: e.payload });
    });
    await this.socket.listen();
  }

  async stop(): Promise<void> {
    await this.socket?.close();
    this.socket = undefined;
    this.finished.resolve();
  }

  stats(): SourceStats {
    return { events: this.events, skipped: this.socket?.malformed ? { 'malformed lines': this.socket.malformed } : {} };
  }
}
