import { BpfProgType } from '@bpfleet/elf';
import { BpfVm, HELPER_NAMES } from '@bpfleet/vm';
import { HELPERS, MAX_HELPER_ID } from './protos.js';

describe('helper prototypes', () => {
  it('cover every helper the VM implements, under the kernel name', () => {
    const vm = new BpfVm({
      name: 'none',
      license: 'GPL',
      kernelVersion: 0,
      maps: [],
      elf: new Uint8Array(),
      programs: [{ name: 'p', section: 'xdp', type: BpfProgType.XDP, sleepable: false, insns: [], references: [], lineInfo: [], funcInfo: [], coreRelocations: [], btfFuncTypeId: 0 }],
    });
    const missing = [...vm.helpers.keys()].filter((id) => !HELPERS.has(id)).map((id) => `${id} ${HELPER_NAMES[id]}`);
    expect(missing).toEqual([]);
    for (const [id, proto] of HELPERS) expect(proto.name).toBe(`bpf_${HELPER_NAMES[id]}`);
  });
  it('name only helpers that exist, with versions in order of their ids', () => {
    for (const proto of HELPERS.values()) {
      expect(proto.id).toBeLessThanOrEqual(MAX_HELPER_ID);
      expect(proto.since).toBeGreaterThanOrEqual(319);
    }
    // Helper ids are assigned in merge order, so a later id never appeared in an older kernel.
    const sorted = [...HELPERS.values()].sort((a, b) => a.id - b.id);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.since).toBeGreaterThanOrEqual(sorted[i - 1]!.since);
  });
});
