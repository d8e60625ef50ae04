// Central eBPF verifier: a model of the Linux verifier with kernel profiles and kernel-style logs.
export * from './scalar/tnum.js';
export * from './scalar/bounds.js';
export { AluOp, scalarAlu } from './scalar/alu.js';
export { JmpOp, isBranchTaken, negateJmp, refineCond } from './scalar/branch.js';
export { type KernelProfile, PROFILES, DEFAULT_PROFILE, kernelProfile, UnknownKernelProfileError } from './profiles.js';
export { type HelperProto, HELPERS } from './helpers/protos.js';
export { ctxAccess, ctxSize } from './context/ctx.js';
export { formatKernelInsn } from './log/insn-format.js';
export { hintFor } from './hints.js';
export type { GlobalArg, GlobalFuncSignature } from './object-btf.js';
export { type KernelArg, type KernelBtfExtract, KernelBtfError, extractKernelBtf, kernelBtfFromBytes } from './kernel-btf/extract.js';
export {
  type VerifyOptions,
  type VerifyResult,
  type VerifierErrorInfo,
  type ProgramInput,
  decodeForVerify,
  verifyInstructions,
  verifyProgram,
} from './verify.js';
