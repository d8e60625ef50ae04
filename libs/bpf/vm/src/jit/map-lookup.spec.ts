import { BpfMapType, type BpfMapSpec } from '@bpfleet/elf';
import { assemble } from '@bpfleet/isa';
import fc from 'fast-check';
import { buildHelperTable } from '../helpers/table.js';
import { encodeMapPointer } from '../helpers/types.js';
import { Interpreter } from '../interpreter/interpreter.js';
import { DecodedProgram } from '../interpreter/program.js';
import { RunContext } from '../interpreter/run-context.js';
import { createMap } from '../maps/create.js';
import { AddressSpace } from '../memory/address-space.js';
import { PERM_READ, PERM_RW, RegionKind } from '../memory/layout.js';
import { JitEngine } from './engine.js';
import { TEST_ENV } from './testing/harness.js';

/** `keySetup` leaves the key pointer in r2; then r0 = *bpf_map_lookup_elem(&map, r2), or all ones on a miss. */
function lookupProgram(keySetup: string): ReturnType<typeof assemble> {
  return assemble(`${keySetup}
  ld_pseudo r1, 5, 0
  call 1
  jeq %r0, 0, +2
  ldxdw %r0, [%r0]
  exit
  mov %r0, -1
  exit
`);
}

// The key pointer is the first argument.
const LOOKUP = lookupProgram('mov %r2, %r1');

/** The same, with the key first copied to the stack and passed as r10 - 64 (how clang passes keys). */
function stackKeyLookup(keySize: number): ReturnType<typeof assemble> {
  let copy = '';
  for (let b = 0; b < keySize; b++) copy += `ldxb %r3, [%r1+${b}]\nstxb [%r10-${64 - b}], %r3\n`;
  return lookupProgram(`${copy}mov %r2, %r10\nadd %r2, -64`);
}

describe('JIT hash map lookups (key index probed in Wasm) against the interpreter', () => {
  it('should find the same values as the interpreter and the host side for any keys, deletions and map kind', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(4, 6, 8, 12, 16),
        fc.constantFrom(BpfMapType.HASH, BpfMapType.LRU_HASH, BpfMapType.PERCPU_HASH),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.tuple(fc.nat(31), fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }), fc.boolean()), { maxLength: 40 }),
        fc.array(fc.nat(31), { minLength: 1, maxLength: 12 }),
        (keySize, type, maxEntries, writes, probes) => {
          const mem = new AddressSpace();
          const spec: BpfMapSpec = { name: 'h', type, keySize, valueSize: 8, maxEntries, flags: 0, origin: 'btf', section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0, pinning: 0 };
          const map = createMap(0, spec, { mem, cpus: 1 }, () => undefined);
          const scratch = mem.allocate('scratch', RegionKind.Scratch, 4096, PERM_READ);
          const helpers = buildHelperTable({ mem, maps: [map], scratch });
          const keyOf = (i: number): Uint8Array => new Uint8Array(keySize).map((_, b) => (b === 0 ? i : b === keySize - 1 ? i >> 2 : 0));
          for (const [k, value, remove] of writes) {
            try {
              if (remove) map.delete(keyOf(k));
              else map.update(keyOf(k), new Uint8Array(new BigUint64Array([value]).buffer));
            } catch {
              // a full hash map or a missing key: the index must stay consistent anyway
            }
          }
          const input = mem.allocate('key', RegionKind.Input, 64, PERM_RW);
          const linker = { mapPointer: (i: number) => encodeMapPointer(i), mapValueAddress: (i: number, off: number) => BigInt(map.region!.base + i + off) };
          const programs = [new DecodedProgram(LOOKUP, { helpers, maps: linker }), new DecodedProgram(stackKeyLookup(keySize), { helpers, maps: linker })];
          const jit = new JitEngine(mem, helpers, { maps: [map], onFallback: (_p, reason) => { throw new Error(reason); } });
          const interpreter = new Interpreter(mem, helpers);
          for (const probe of probes) {
            const key = keyOf(probe);
            const at = input.base + 3; // unaligned, as a key on the stack may be
            mem.u8.set(key, at);
            const hostValue = map.lookup(key);
            const expected = hostValue ? new DataView(hostValue.buffer).getBigUint64(0, true) : (1n << 64n) - 1n;
            const args = [BigInt(at)];
            for (const program of programs) {
              expect(interpreter.run(program, new RunContext(mem, TEST_ENV), { args }).r0).toBe(expected);
              expect(jit.run(program, new RunContext(mem, TEST_ENV), { args }).r0).toBe(expected);
            }
          }
        },
      ),
      { numRuns: 250 },
    );
  });
});
