import { asm, label, link, PseudoSource, R0, R1, R2, R3, R6, R7, R10, type AsmItem, type Instruction } from '@bpfleet/isa';

/**
 * The record a capture program writes to its ring buffer, little-endian:
 *
 *   0  u64 ktime_ns        bpf_ktime_get_ns()
 *   8  u64 pid_tgid        bpf_get_current_pid_tgid()
 *  16  u64 uid_gid         bpf_get_current_uid_gid()
 *  24  u32 cpu             bpf_get_smp_processor_id()
 *  28  u32 source          which capture program (index into the capture's targets)
 *  32  char comm[16]       bpf_get_current_comm()
 *  48  u8 data[]           tracepoint: the raw record; raw_tp: the u64 arguments
 */
export const CAPTURE_HEADER_SIZE = 48;

const HELPER = { mapLookupElem: 1, ktimeGetNs: 5, smpProcessorId: 8, pidTgid: 14, uidGid: 15, comm: 16, probeReadKernel: 113, ringbufReserve: 131, ringbufSubmit: 132 } as const;

export type CaptureTarget =
  /** A tracepoint program's context: `recordSize` bytes of the trace record. */
  | { readonly kind: 'tracepoint'; readonly recordSize: number }
  /** A raw tracepoint's context: `args` u64 arguments. */
  | { readonly kind: 'raw_tracepoint'; readonly args: number };

/**
 * Builds the capture program for one attach point writing to the ring buffer with fd `ringFd`; when
 * the ring is full it counts the lost record in slot 0 of the u64 array map with fd `lostFd`.
 */
export function buildCaptureProgram(target: CaptureTarget, ringFd: number, source: number, lostFd: number): Instruction[] {
  const dataSize = target.kind === 'tracepoint' ? target.recordSize : target.args * 8;
  const items: AsmItem[] = [
    asm.mov64Reg(R6, R1),
    asm.lddwPseudo(R1, PseudoSource.MAP_FD, ringFd),
    asm.mov64Imm(R2, CAPTURE_HEADER_SIZE + dataSize),
    asm.mov64Imm(R3, 0),
    asm.call(HELPER.ringbufReserve),
    asm.jeqImm(R0, 0, 'full'),
    asm.mov64Reg(R7, R0),
    asm.call(HELPER.ktimeGetNs),
    asm.stx(64, R7, 0, R0),
    asm.call(HELPER.pidTgid),
    asm.stx(64, R7, 8, R0),
    asm.call(HELPER.uidGid),
    asm.stx(64, R7, 16, R0),
    asm.call(HELPER.smpProcessorId),
    asm.stx(32, R7, 24, R0),
    asm.st(32, R7, 28, source),
    asm.mov64Reg(R1, R7),
    asm.add64Imm(R1, 32),
    asm.mov64Imm(R2, 16),
    asm.call(HELPER.comm),
  ];
  if (target.kind === 'tracepoint') {
    // A failed read leaves zeros, which the record then carries.
    items.push(asm.mov64Reg(R1, R7), asm.add64Imm(R1, CAPTURE_HEADER_SIZE), asm.mov64Imm(R2, dataSize), asm.mov64Reg(R3, R6), asm.call(HELPER.probeReadKernel));
  } else {
    for (let i = 0; i < target.args; i++) items.push(asm.ldx(64, R1, R6, i * 8), asm.stx(64, R7, CAPTURE_HEADER_SIZE + i * 8, R1));
  }
  items.push(
    asm.mov64Reg(R1, R7),
    asm.mov64Imm(R2, 0),
    asm.call(HELPER.ringbufSubmit),
    asm.ja('out'),
    // The ring is full (the reader fell behind): count the record as lost.
    label('full'),
    asm.st(32, R10, -4, 0),
    asm.lddwPseudo(R1, PseudoSource.MAP_FD, lostFd),
    asm.mov64Reg(R2, R10),
    asm.add64Imm(R2, -4),
    asm.call(HELPER.mapLookupElem),
    asm.jeqImm(R0, 0, 'out'),
    asm.mov64Imm(R1, 1),
    asm.atomicAdd64(R0, 0, R1),
    label('out'),
    asm.mov64Imm(R0, 0),
    asm.exit(),
  );
  return link(items);
}

/** A capture record as read back from the ring buffer. */
export interface CapturedRecord {
  readonly source: number;
  readonly ktimeNs: bigint;
  readonly pidTgid: bigint;
  readonly uidGid: bigint;
  readonly cpu: number;
  /** The task's comm, NUL padding removed. */
  readonly comm: string;
  readonly data: Uint8Array;
}

/** Decodes one ring-buffer record written by a capture program; undefined when it is too short. */
export function decodeCapturedRecord(bytes: Uint8Array): CapturedRecord | undefined {
  if (bytes.length < CAPTURE_HEADER_SIZE) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const commBytes = bytes.subarray(32, 48);
  const nul = commBytes.indexOf(0);
  return {
    ktimeNs: v.getBigUint64(0, true),
    pidTgid: v.getBigUint64(8, true),
    uidGid: v.getBigUint64(16, true),
    cpu: v.getUint32(24, true),
    source: v.getUint32(28, true),
    comm: Buffer.from(commBytes.subarray(0, nul < 0 ? 16 : nul)).toString('utf8'),
    data: bytes.slice(CAPTURE_HEADER_SIZE),
  };
}
