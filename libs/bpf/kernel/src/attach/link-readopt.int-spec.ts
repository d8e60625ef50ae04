import { join } from 'node:path';
import { loadObject } from '../object.js';
import { KernelMap } from '../map.js';
import { probeKernel } from '../probe/probe.js';
import { ensureMounted, BPFFS } from '../probe/filesystems.js';
import { removePinDir, ensurePinDir, pinPath } from '../pin.js';
import { corpusObject, itIfKernel, kernelSkipReason } from '../testing/fixtures.js';
import { TestNetwork } from '../testing/netns.js';
import { attachProgram } from './attach-program.js';
import { LibbpfLink } from './libbpf-link.js';

const skip = kernelSkipReason();
const netSkip = (kind: 'xdp' | 'tc') => {
  if (skip) return skip;
  const r = probeKernel({ helpers: false }).attach[kind];
  return r.ok ? undefined : `${kind} refused by this kernel (${r.reason})`;
};
const PORT = 9999;

function counter(map: KernelMap): bigint {
  const v = Buffer.from(map.lookup(Buffer.alloc(4))!);
  let sum = 0n;
  for (let off = 0; off < v.length; off += 8) sum += v.readBigUInt64LE(off);
  return sum;
}

/**
 * A process that attached xdp/tc, pinned the links and maps and went away (its handles closed, as
 * when the agent restarts): the attachments keep running and a new owner re-adopts them from bpffs.
 */
describe('link-based xdp and tc attachments', () => {
  let net: TestNetwork | undefined;
  let setupError: string | undefined;
  let dir = '';

  beforeAll(() => {
    if (skip) return;
    ensureMounted(BPFFS, 'bpf', true);
    dir = pinPath('test', `readopt-${process.pid}`);
    ensurePinDir(dir);
    try {
      net = TestNetwork.create('r');
    } catch (e) {
      setupError = (e as Error).message;
    }
  });

  afterAll(() => {
    if (dir) removePinDir(dir);
    net?.destroy();
  });

  for (const kind of ['xdp', 'tc'] as const) {
    itIfKernel(netSkip(kind))(`should pin a ${kind} link that keeps counting after its owner is gone and is re-adopted`, () => {
      if (!net) throw new Error(setupError);
      const program = kind === 'xdp' ? 'xdp_count_udp' : 'tc_check_mark';
      const mapName = kind === 'xdp' ? 'xdp_udp' : 'tc_seen';
      const obj = loadObject(corpusObject('kernel_net'), { name: 'kernel_net', programs: [program] });
      const link = attachProgram(obj.program(program), { interface: net.hostIf, tcDirection: 'ingress' });
      expect(link.pinnable).toBe(true);
      expect(link.description).toMatch(kind === 'xdp' ? /^xdp ifindex \d+ \(link\)/ : /^tcx ingress ifindex \d+/);
      link.pin(join(dir, `link-${kind}`));
      obj.map(mapName).pin(join(dir, `map-${kind}`));
      // The owner goes away: handles closed, nothing detached explicitly.
      link.close();
      obj.close();

      net.sendUdp(7, PORT);
      const map = KernelMap.openPinned(join(dir, `map-${kind}`));
      const adopted = LibbpfLink.openPinned(join(dir, `link-${kind}`));
      try {
        expect(counter(map)).toBe(7n);
        net.sendUdp(3, PORT);
        expect(counter(map)).toBe(10n);
        // Unpinning and closing the last handle detaches.
        adopted.unpin();
        adopted.close();
        net.sendUdp(4, PORT);
        expect(counter(map)).toBe(10n);
      } finally {
        adopted.close();
        map.close();
      }
    });
  }

  itIfKernel(netSkip('xdp'))('should keep netlink attachments when a mode is asked for (not pinnable)', () => {
    if (!net) throw new Error(setupError);
    const obj = loadObject(corpusObject('kernel_net'), { name: 'kernel_net', programs: ['xdp_count_udp'] });
    try {
      const link = attachProgram(obj.program('xdp_count_udp'), { interface: net.hostIf, xdpMode: 'generic' });
      expect(link.pinnable).toBe(false);
      link.close();
    } finally {
      obj.close();
    }
  });
});
