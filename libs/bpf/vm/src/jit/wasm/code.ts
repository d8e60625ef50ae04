import { ByteWriter } from './bytes.js';
import { BLOCK_VOID, Op, type ValType } from './opcodes.js';

/**
 * The body of one function: locals plus an instruction stream. Methods append one instruction
 * each and return `this`, so emission reads like the text format.
 */
export class CodeWriter {
  readonly out = new ByteWriter(1024);
  private readonly localTypes: ValType[] = [];
  /** Constructs (block, loop, if) open at the current position, for `br` depths to an outer one. */
  depth = 0;

  constructor(readonly paramCount: number) {}

  /** Declares a local after the parameters and returns its index. */
  addLocal(type: ValType): number {
    this.localTypes.push(type);
    return this.paramCount + this.localTypes.length - 1;
  }

  op(code: number): this {
    this.out.byte(code);
    return this;
  }

  localGet(index: number): this {
    this.out.byte(Op.LOCAL_GET).u32(index);
    return this;
  }

  localSet(index: number): this {
    this.out.byte(Op.LOCAL_SET).u32(index);
    return this;
  }

  localTee(index: number): this {
    this.out.byte(Op.LOCAL_TEE).u32(index);
    return this;
  }

  globalGet(index: number): this {
    this.out.byte(Op.GLOBAL_GET).u32(index);
    return this;
  }

  globalSet(index: number): this {
    this.out.byte(Op.GLOBAL_SET).u32(index);
    return this;
  }

  i32Const(value: number): this {
    this.out.byte(Op.I32_CONST).s32(value);
    return this;
  }

  i64Const(value: bigint | number): this {
    this.out.byte(Op.I64_CONST);
    if (typeof value === 'number') this.out.s32(value);
    else this.out.s64(value);
    return this;
  }

  /** A load or store with its memarg (log2 alignment hint, constant offset). */
  mem(code: number, alignLog2: number, offset = 0): this {
    this.out.byte(code).u32(alignLog2).u32(offset);
    return this;
  }

  block(type: number = BLOCK_VOID): this {
    this.out.byte(Op.BLOCK).byte(type);
    this.depth++;
    return this;
  }

  loop(type: number = BLOCK_VOID): this {
    this.out.byte(Op.LOOP).byte(type);
    this.depth++;
    return this;
  }

  if(type: number = BLOCK_VOID): this {
    this.out.byte(Op.IF).byte(type);
    this.depth++;
    return this;
  }

  else(): this {
    this.out.byte(Op.ELSE);
    return this;
  }

  end(): this {
    this.out.byte(Op.END);
    this.depth--;
    return this;
  }

  br(depth: number): this {
    this.out.byte(Op.BR).u32(depth);
    return this;
  }

  brIf(depth: number): this {
    this.out.byte(Op.BR_IF).u32(depth);
    return this;
  }

  brTable(depths: readonly number[], defaultDepth: number): this {
    this.out.byte(Op.BR_TABLE).u32(depths.length);
    for (const d of depths) this.out.u32(d);
    this.out.u32(defaultDepth);
    return this;
  }

  call(funcIndex: number): this {
    this.out.byte(Op.CALL).u32(funcIndex);
    return this;
  }

  /** Encodes the function body (locals grouped by runs of equal type, then code, then `end`). */
  encodeBody(): Uint8Array {
    const body = new ByteWriter(this.out.length + 32);
    const groups: Array<[number, ValType]> = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    body.u32(groups.length);
    for (const [count, type] of groups) body.u32(count).byte(type);
    body.bytes(this.out.view());
    body.byte(Op.END);
    return body.view();
  }
}
