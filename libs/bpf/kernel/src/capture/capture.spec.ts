import { disassembleText } from '@bpfleet/isa';
import { KernelError } from '../errors.js';
import { buildCaptureProgram, CAPTURE_HEADER_SIZE, decodeCapturedRecord } from './capture-program.js';
import { parseTracepointFormat } from './tracepoint-format.js';

const OPENAT_FORMAT = `name: sys_enter_openat
ID: 782
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;
\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;
\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;
\tfield:int flags;\toffset:32;\tsize:8;\tsigned:0;
\tfield:umode_t mode;\toffset:40;\tsize:8;\tsigned:0;

print fmt: "dfd: 0x%08lx", ((unsigned long)(REC->dfd))
`;

describe('tracepoint format', () => {
  it('should parse the fields and the record size from tracefs text', () => {
    const f = parseTracepointFormat(OPENAT_FORMAT);
    expect(f.name).toBe('sys_enter_openat');
    expect(f.id).toBe(782);
    expect(f.fields).toHaveLength(9);
    expect(f.fields[6]).toEqual({ declaration: 'const char * filename', offset: 24, size: 8, signed: false });
    expect(f.recordSize).toBe(48);
    expect(f.dynamic).toBe(false);
    const exec = parseTracepointFormat('name: sched_process_exec\nID: 365\nformat:\n\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;\n\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;\n');
    expect([exec.recordSize, exec.dynamic]).toEqual([16, true]);
  });

  it('should refuse text that is not a format', () => {
    expect(() => parseTracepointFormat('hello')).toThrow(KernelError);
  });
});

describe('capture program', () => {
  it('should copy a tracepoint record with bpf_probe_read_kernel after the task header', () => {
    const text = disassembleText(buildCaptureProgram({ kind: 'tracepoint', recordSize: 48 }, 7, 3, 8));
    expect(text).toContain('call 0x83'); // ringbuf_reserve
    expect(text).toContain('r2 = 0x60'); // 48 header + 48 record
    expect(text).toContain('*(u32 *)(r7 + 0x1c) = 0x3'); // source index
    expect(text).toContain('call 0x71'); // probe_read_kernel
    expect(text).toContain('call 0x84'); // ringbuf_submit
    expect(text).toContain('lock *(u64 *)(r0 + 0x0) += r1'); // a record lost to a full ring is counted
  });

  it('should copy raw tracepoint arguments with loads from the context', () => {
    const text = disassembleText(buildCaptureProgram({ kind: 'raw_tracepoint', args: 2 }, 7, 0, 8));
    expect(text).toContain('r1 = *(u64 *)(r6 + 0x8)');
    expect(text).toContain(`*(u64 *)(r7 + 0x${(CAPTURE_HEADER_SIZE + 8).toString(16)}) = r1`);
    expect(text).not.toContain('call 0x71');
  });

  it('should decode what the program writes', () => {
    const bytes = new Uint8Array(CAPTURE_HEADER_SIZE + 4);
    const v = new DataView(bytes.buffer);
    v.setBigUint64(0, 123n, true);
    v.setBigUint64(8, (42n << 32n) | 43n, true);
    v.setUint32(24, 1, true);
    v.setUint32(28, 2, true);
    bytes.set(Buffer.from('bash'), 32);
    bytes.set([1, 2, 3, 4], CAPTURE_HEADER_SIZE);
    expect(decodeCapturedRecord(bytes)).toEqual({ ktimeNs: 123n, pidTgid: (42n << 32n) | 43n, uidGid: 0n, cpu: 1, source: 2, comm: 'bash', data: new Uint8Array([1, 2, 3, 4]) });
    expect(decodeCapturedRecord(new Uint8Array(10))).toBeUndefined();
  });
});
