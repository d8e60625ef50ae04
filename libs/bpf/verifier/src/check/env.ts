import type { BpfMapSpec, BpfProgType } from '@bpfleet/elf';
import type { Instruction } from '@bpfleet/isa';
import type { KernelProfile } from '../profiles.js';
import type { TracingCtx } from '../kernel-btf/tracing-ctx.js';
import { type Reg, regCopy } from '../state/reg.js';
import type { Frame, VState } from '../state/state.js';

/** What every checking step needs: the program, the options and the state being advanced. */
export interface Env {
  readonly insns: readonly Instruction[];
  readonly maps: readonly BpfMapSpec[];
  readonly progType: BpfProgType;
  readonly expectedAttachType: number;
  readonly profile: KernelProfile;
  readonly privileged: boolean;
  /** Root may read uninitialised stack (allow_uninit_stack) on newer kernels. */
  readonly allowUninitStack: boolean;
  /** Loaded with BPF_F_SLEEPABLE (`.s` sections): helpers that may sleep are allowed. */
  readonly sleepable: boolean;
  /** Per map, the offset of its value's bpf_spin_lock, or -1. */
  readonly spinLockOffsets: readonly number[];
  /** tp_btf / LSM context typed from kernel BTF, or null. */
  readonly tracingCtx: TracingCtx | null;
  /** CO-RE relocated field loads (instruction index): the struct the loaded field points to, or null. */
  readonly coreFieldTypes: ReadonlyMap<number, string | null>;
  /** The state being advanced (replaced on every pop). */
  state: VState;
  /** Index of the instruction being checked. */
  insnIdx: number;
  newId(): number;
  /**
   * A decision on the current path depended on scalar values (a branch known in advance, pointer
   * arithmetic, a size or constant argument, a return range): the checkpoints above it must compare
   * scalars exactly (a coarse form of the kernel's mark_chain_precision).
   */
  markPrecise(): void;
  /** Registers (bit r) and stack slots the current instruction touched, for the level-2 log. */
  scratchedRegs: number;
  readonly scratchedSlots: Set<number>;
}

export function frameOf(env: Env): Frame {
  return env.state.frames[env.state.frames.length - 1]!;
}

export function regOf(env: Env, r: number): Reg {
  return frameOf(env).regs[r]!;
}

/**
 * Updates every register and spilled register of every frame that `match` selects
 * (bpf_for_each_reg_in_vstate). Spilled registers are shared between states (copy-on-write), so a
 * selected one is replaced by a private copy before `update` changes it.
 */
export function updateRegs(state: VState, match: (reg: Reg) => boolean, update: (reg: Reg) => void): void {
  for (const f of state.frames) {
    for (const r of f.regs) if (match(r)) update(r);
    for (let k = 0; k < f.spilled.length; k++) {
      const sp = f.spilled[k];
      if (sp && f.stackType[k * 8 + 7] === 1 && match(sp)) {
        const own = regCopy(sp);
        f.spilled[k] = own;
        update(own);
      }
    }
  }
}
