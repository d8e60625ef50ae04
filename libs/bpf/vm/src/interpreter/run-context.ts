import type { AddressSpace } from '../memory/address-space.js';
import type { ExecutionEnv, PacketAccess, ProgramHandle, RedirectRecord, VmContext } from '../helpers/types.js';

/** Runs a BPF function for a helper callback; provided by the engine that runs the program. */
export type FunctionInvoker = (ptr: bigint, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint) => bigint;

/** The per-run `VmContext`: what helpers see, plus the control flags engines read after each call. */
export class RunContext implements VmContext {
  exitRequested = false;
  exitValue = 0n;
  tailCallTarget: ProgramHandle | null = null;
  readonly redirects: RedirectRecord[] = [];
  invoker: FunctionInvoker | null = null;

  constructor(
    readonly mem: AddressSpace,
    readonly env: ExecutionEnv,
    readonly cpu = 0,
    readonly packet?: PacketAccess,
  ) {}

  requestExit(r0: bigint): void {
    this.exitRequested = true;
    this.exitValue = BigInt.asUintN(64, r0);
  }

  invokeFunction(ptr: bigint, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint): bigint {
    if (!this.invoker) throw new Error('no engine is running a program in this context');
    return this.invoker(ptr, r1, r2, r3, r4, r5);
  }
}
