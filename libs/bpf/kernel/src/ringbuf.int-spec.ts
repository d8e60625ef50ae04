import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadObject } from './object.js';
import { RingBufferReader } from './ringbuf.js';
import { PerfBufferReader } from './perfbuf.js';
import { corpusObject, itIfKernel, kernelSkipReason } from './testing/fixtures.js';
import { produce } from './testing/producer.js';

const skip = kernelSkipReason();
const kit = itIfKernel(skip);

function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  return new Promise((res, rej) => {
    const tick = () => {
      if (cond()) return res();
      if (Date.now() > until) return rej(new Error('timed out'));
      setTimeout(tick, 5);
    };
    tick();
  });
}

describe.each(['mmap', 'libbpf'] as const)('RingBufferReader (%s)', (mode) => {
  kit('should deliver 100k events/s in order with nothing lost, without blocking the event loop', async () => {
    const obj = loadObject(corpusObject('kernel_events'), { name: 'kernel_events', programs: ['emit_ring'] });
    const total = 200_000;
    let next = 0n;
    let outOfOrder = 0;
    let ticks = 0;
    const reader = new RingBufferReader(obj.map('events'), {
      mode,
      onRecord: (r) => {
        const seq = Buffer.from(r.buffer, r.byteOffset, r.byteLength).readBigUInt64LE(0);
        if (seq !== next) outOfOrder++;
        next = seq + 1n;
      },
    });
    // The event loop must keep turning while events stream in.
    const ticker = setInterval(() => ticks++, 10);
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    try {
      const produced = await produce(obj.program('emit_ring').fd, 100_000, total);
      await waitFor(() => reader.delivered >= total, 10_000);
      const bss = Buffer.from(obj.map('kernel_e.bss').lookup(new Uint8Array(4))!);
      const dropped = bss.readBigUInt64LE(8); // ring_dropped: reservations that failed
      console.log(`ring buffer (${mode}): ${reader.delivered} events in ${produced.elapsedMs.toFixed(0)} ms (${Math.round(reader.delivered / (produced.elapsedMs / 1000))}/s), ${ticks} timer ticks, event loop delay p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms`);
      expect(reader.delivered).toBe(total);
      expect(next).toBe(BigInt(total));
      expect(outOfOrder).toBe(0);
      expect(dropped).toBe(0n);
      // Timers kept firing (the machine may be loaded, so only require that they ran at all regularly).
      expect(ticks).toBeGreaterThanOrEqual(10);
    } finally {
      clearInterval(ticker);
      lag.disable();
      reader.close();
      obj.close();
    }
  }, 30_000);

  kit('should hand a throwing callback error to onError and keep going', async () => {
    const obj = loadObject(corpusObject('kernel_events'), { name: 'kernel_events', programs: ['emit_ring'] });
    const errors: unknown[] = [];
    let seen = 0;
    const reader = new RingBufferReader(obj.map('events'), {
      mode,
      start: false,
      onRecord: () => {
        if (++seen === 2) throw new Error('boom');
      },
      onError: (e) => errors.push(e),
    });
    try {
      obj.program('emit_ring').testRun({ data: new Uint8Array(64), repeat: 5 });
      reader.consume();
      reader.consume();
      expect(reader.delivered).toBe(mode === 'mmap' ? 5 : 4); // libbpf stops the batch at the failing record
      expect(errors).toHaveLength(1);
      expect(seen).toBe(5);
    } finally {
      reader.close();
      obj.close();
    }
  });

  kit('should release its mappings, fds and callbacks on close', () => {
    const obj = loadObject(corpusObject('kernel_events'), { name: 'kernel_events', programs: ['emit_ring'] });
    try {
      new RingBufferReader(obj.map('events'), { mode, onRecord: () => undefined }).close();
      const fds = readdirSync('/proc/self/fd').length;
      const maps = readFileSync('/proc/self/maps', 'utf8').split('\n').length;
      for (let i = 0; i < 200; i++) new RingBufferReader(obj.map('events'), { mode, onRecord: () => undefined }).close();
      expect(readdirSync('/proc/self/fd').length).toBe(fds);
      expect(readFileSync('/proc/self/maps', 'utf8').split('\n').length).toBeLessThanOrEqual(maps + 2);
    } finally {
      obj.close();
    }
  });

  kit('should refuse a map that is not a ring buffer', () => {
    const obj = loadObject(corpusObject('minimal'), { name: 'minimal' });
    try {
      expect(() => new RingBufferReader(obj.map('counter'), { onRecord: () => undefined })).toThrow(/not a ring buffer/);
    } finally {
      obj.close();
    }
  });
});

describe('PerfBufferReader', () => {
  kit('should deliver perf events in order per CPU with nothing lost', async () => {
    const obj = loadObject(corpusObject('kernel_events'), { name: 'kernel_events', programs: ['emit_perf'] });
    const total = 50_000;
    const lastByCpu = new Map<number, bigint>();
    let outOfOrder = 0;
    const reader = new PerfBufferReader(obj.map('perf_events'), {
      pagesPerCpu: 256,
      onRecord: (r, cpu) => {
        const seq = Buffer.from(r.buffer, r.byteOffset, r.byteLength).readBigUInt64LE(0);
        const last = lastByCpu.get(cpu);
        if (last !== undefined && seq <= last) outOfOrder++;
        lastByCpu.set(cpu, seq);
      },
    });
    try {
      await produce(obj.program('emit_perf').fd, 50_000, total);
      await waitFor(() => reader.delivered + reader.lostRecords >= total, 10_000);
      expect(reader.lostRecords).toBe(0);
      expect(reader.delivered).toBe(total);
      expect(outOfOrder).toBe(0);
    } finally {
      reader.close();
      obj.close();
    }
  }, 30_000);
});
