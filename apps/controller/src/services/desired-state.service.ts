import { Injectable } from '@nestjs/common';
import { PROTOCOL_VERSION, decodeMessage, encodeMessage, type DesiredProgram, type DesiredState } from '@bpfleet/protocol';
import { NatsService } from '../nats/nats.service.js';

/**
 * Desired state per agent in the `<prefix>_desired` KV bucket. Updates are compare-and-set on the key's
 * revision, so rollouts of different programs never overwrite each other's entries.
 */
@Injectable()
export class DesiredStateService {
  constructor(private readonly nats: NatsService) {}

  async get(agentId: string): Promise<DesiredState | null> {
    const entry = await this.nats.desired.get(agentId);
    if (!entry || entry.operation !== 'PUT') return null;
    const decoded = decodeMessage('desired', entry.value);
    return decoded.ok ? decoded.value : null;
  }

  /** Replace (or add) one program's entry; `null` removes the program. Returns the entry it replaced. */
  async setProgram(agentId: string, program: string, entry: DesiredProgram | null): Promise<DesiredProgram | undefined> {
    let previous: DesiredProgram | undefined;
    await this.update(agentId, (programs) => {
      previous = programs.find((p) => p.program === program);
      const others = programs.filter((p) => p.program !== program);
      return entry ? [...others, entry].sort((a, b) => a.program.localeCompare(b.program)) : others;
    });
    return previous;
  }

  async update(agentId: string, mutate: (programs: readonly DesiredProgram[]) => DesiredProgram[]): Promise<void> {
    const kv = this.nats.desired;
    for (let attempt = 0; ; attempt++) {
      const entry = await kv.get(agentId);
      const live = entry && entry.operation === 'PUT';
      const decoded = live ? decodeMessage('desired', entry.value) : undefined;
      const current = decoded?.ok ? decoded.value : undefined;
      const next = encodeMessage('desired', {
        v: PROTOCOL_VERSION,
        kind: 'desired',
        agentId,
        sentAt: new Date().toISOString(),
        revision: (current?.revision ?? 0) + 1,
        programs: mutate(current?.programs ?? []),
      });
      try {
        if (entry) await kv.update(agentId, next, entry.revision);
        else await kv.create(agentId, next);
        return;
      } catch (e) {
        // Someone else wrote the key in between: read it again and re-apply.
        if (attempt >= 20) throw new Error(`desired state of ${agentId}: gave up after ${attempt} conflicting writes (${(e as Error).message})`);
      }
    }
  }
}
