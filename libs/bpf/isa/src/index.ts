// RFC 9669 eBPF instruction set: the instruction model, decode/encode, assembler, disassembler.
export * from './instruction.js';
export * from './codec.js';
export * from './opcode.js';
export * from './register.js';
export * from './alu.js';
export * from './jump.js';
export * from './load-store.js';
export * from './errors.js';
export * from './validate.js';
export { branchTarget } from './flow.js';
export { checkRegisterInit } from './init-check.js';
export * from './builder.js';
export * from './disasm.js';
export * from './assembler.js';
export * from './conformance.js';
export { parseBigLiteral } from './numbers.js';
