import { readFileSync } from 'node:fs';
import { attachTracepoint } from './attach/tracepoint.js';
import type { LibbpfLink } from './attach/libbpf-link.js';
import { loadObject } from './object.js';
import { linkInfoOf, programRunStats } from './program-stats.js';
import { enableRunStats } from './stats.js';
import { corpusObject, itIfKernel, kernelSkipReason } from './testing/fixtures.js';

const skip = kernelSkipReason();

describe('program run statistics', () => {
  itIfKernel(skip)('should read run count and run time by program id, found through the link, while stats are enabled', () => {
    const obj = loadObject(corpusObject('kernel_openat'), { name: 'stats_test' });
    const stats = enableRunStats();
    let link: LibbpfLink | undefined;
    try {
      const program = obj.program('count_openat');
      link = attachTracepoint(program, 'syscalls/sys_enter_openat');
      const info = linkInfoOf(link.fd);
      expect(info.programId).toBe(program.info().id);
      expect(info.id).toBeGreaterThan(0);
      const before = programRunStats(info.programId);
      for (let i = 0; i < 20; i++) readFileSync('/proc/self/stat');
      const after = programRunStats(info.programId);
      expect(after.name).toBe('count_openat');
      // Other processes open files too, so at least our 20.
      expect(after.runCount - before.runCount).toBeGreaterThanOrEqual(20n);
      expect(after.runTimeNs).toBeGreaterThan(before.runTimeNs);
    } finally {
      link?.close();
      stats.close();
      obj.close();
    }
  });

  itIfKernel(skip)('should refuse an id that names no program with ENOENT', () => {
    expect(() => programRunStats(0x7ffffff0)).toThrow(expect.objectContaining({ errno: 2, call: 'bpf_prog_get_fd_by_id' }));
  });
});
