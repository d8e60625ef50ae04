import fc from 'fast-check';
import { ByteWriter } from './bytes.js';
import '../../wasm-api.js';
import { ModuleBuilder } from './module.js';
import { Op, ValType } from './opcodes.js';

function decodeSleb(bytes: Uint8Array): bigint {
  let result = 0n;
  let shift = 0n;
  let i = 0;
  let b: number;
  do {
    b = bytes[i++]!;
    result |= BigInt(b & 0x7f) << shift;
    shift += 7n;
  } while (b & 0x80);
  if (b & 0x40) result -= 1n << shift;
  return result;
}

describe('ByteWriter', () => {
  it('should encode unsigned LEB128 like the spec examples', () => {
    expect([...new ByteWriter().u32(624485).view()]).toEqual([0xe5, 0x8e, 0x26]);
    expect([...new ByteWriter().u32(0xffffffff).view()]).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
  });

  it('should round-trip signed LEB128 for any 64-bit value', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), (v) => {
        expect(decodeSleb(new ByteWriter().s64(v).view())).toBe(v);
      }),
    );
  });
});

describe('ModuleBuilder', () => {
  it('should build a module that validates, imports a memory and a function, and runs', () => {
    const m = new ModuleBuilder();
    const hostAdd = m.importFunction('env', 'add', { params: [ValType.I64, ValType.I64], results: [ValType.I64] });
    m.importMemory('env', 'memory', 1);
    const counter = m.addGlobal(ValType.I64, true, 5n);
    const { index, code } = m.addFunction({ params: [ValType.I64], results: [ValType.I64] });
    const tmp = code.addLocal(ValType.I64);
    // tmp = host_add(p0, mem[16]); loop { tmp += 1; counter -= 1; br_if counter != 0 }; tmp
    code.localGet(0).i32Const(16).mem(Op.I64_LOAD, 3).call(hostAdd).localSet(tmp);
    code.loop().localGet(tmp).i64Const(1).op(Op.I64_ADD).localSet(tmp);
    code.globalGet(counter).i64Const(1).op(Op.I64_SUB).globalSet(counter);
    code.globalGet(counter).op(Op.I64_EQZ).op(Op.I32_EQZ).brIf(0).end();
    code.localGet(tmp);
    m.exportFunction('run', index);
    const bytes = m.encode();
    expect(WebAssembly.validate(bytes)).toBe(true);

    const memory = new WebAssembly.Memory({ initial: 1 });
    new DataView(memory.buffer).setBigUint64(16, 1000n, true);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
      env: { memory, add: (a: bigint, b: bigint) => a + b },
    });
    const run = inst.exports['run'] as (x: bigint) => bigint;
    expect(run(-0x123456789n)).toBe(1000n - 0x123456789n + 5n);
  });

  it('should encode large i64 constants and br_table dispatch', () => {
    const m = new ModuleBuilder();
    const { index, code } = m.addFunction({ params: [ValType.I32], results: [ValType.I64] });
    code.block().block().block().localGet(0).brTable([0, 1], 2).end();
    code.i64Const(0x7fffffffffffffffn).op(Op.RETURN).end();
    code.i64Const(-0x8000000000000000n).op(Op.RETURN).end();
    code.i64Const(42);
    m.exportFunction('f', index);
    const bytes = m.encode();
    expect(WebAssembly.validate(bytes)).toBe(true);
    const f = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports['f'] as (x: number) => bigint;
    expect([f(0), f(1), f(2), f(99)]).toEqual([0x7fffffffffffffffn, -0x8000000000000000n, 42n, 42n]);
  });
});
