// RFC 9669 eBPF instruction set: the instruction model, decode/encode, assembler, disassembler.
export * from './instruction.js';
export * from './codec.js';
