import { defineProto, defineStruct, koffi } from './koffi.js';

// Layouts of libbpf 1.1's option structs (include/bpf/libbpf.h, bpf.h). Every struct starts with
// `size_t sz` — libbpf checks it to stay forward/backward compatible, so it must be the exact size of
// the layout we pass. struct-layout.spec.ts pins each size to what a C compiler says for libbpf 1.1.

export const objectOpenOpts = defineStruct('bpf_object_open_opts', {
  sz: 'size_t',
  object_name: 'const char *',
  relaxed_maps: 'bool',
  pin_root_path: 'const char *',
  _removed_attach_prog_fd: 'uint32_t',
  kconfig: 'const char *',
  btf_custom_path: 'const char *',
  kernel_log_buf: 'void *',
  kernel_log_size: 'size_t',
  kernel_log_level: 'uint32_t',
});

export const testRunOpts = defineStruct('bpf_test_run_opts', {
  sz: 'size_t',
  data_in: 'void *',
  data_out: 'void *',
  data_size_in: 'uint32_t',
  data_size_out: 'uint32_t',
  ctx_in: 'void *',
  ctx_out: 'void *',
  ctx_size_in: 'uint32_t',
  ctx_size_out: 'uint32_t',
  retval: 'uint32_t',
  repeat: 'int',
  duration: 'uint32_t',
  flags: 'uint32_t',
  cpu: 'uint32_t',
  batch_size: 'uint32_t',
});

export const uprobeOpts = defineStruct('bpf_uprobe_opts', {
  sz: 'size_t',
  ref_ctr_offset: 'size_t',
  bpf_cookie: 'uint64_t',
  retprobe: 'bool',
  func_name: 'const char *',
});

export const kprobeOpts = defineStruct('bpf_kprobe_opts', {
  sz: 'size_t',
  bpf_cookie: 'uint64_t',
  offset: 'size_t',
  retprobe: 'bool',
});

export const tracepointOpts = defineStruct('bpf_tracepoint_opts', { sz: 'size_t', bpf_cookie: 'uint64_t' });
export const perfEventOpts = defineStruct('bpf_perf_event_opts', { sz: 'size_t', bpf_cookie: 'uint64_t' });
export const xdpAttachOpts = defineStruct('bpf_xdp_attach_opts', { sz: 'size_t', old_prog_fd: 'int' });

export const tcHook = defineStruct('bpf_tc_hook', {
  sz: 'size_t',
  ifindex: 'int',
  attach_point: 'int',
  parent: 'uint32_t',
});

export const tcOpts = defineStruct('bpf_tc_opts', {
  sz: 'size_t',
  prog_fd: 'int',
  flags: 'uint32_t',
  prog_id: 'uint32_t',
  handle: 'uint32_t',
  priority: 'uint32_t',
});

export const progLoadOpts = defineStruct('bpf_prog_load_opts', {
  sz: 'size_t',
  attempts: 'int',
  expected_attach_type: 'int',
  prog_btf_fd: 'uint32_t',
  prog_flags: 'uint32_t',
  prog_ifindex: 'uint32_t',
  kern_version: 'uint32_t',
  attach_btf_id: 'uint32_t',
  attach_prog_fd: 'uint32_t',
  attach_btf_obj_fd: 'uint32_t',
  fd_array: 'void *',
  func_info: 'void *',
  func_info_cnt: 'uint32_t',
  func_info_rec_size: 'uint32_t',
  line_info: 'void *',
  line_info_cnt: 'uint32_t',
  line_info_rec_size: 'uint32_t',
  log_level: 'uint32_t',
  log_size: 'uint32_t',
  log_buf: 'void *',
});

export const mapBatchOpts = defineStruct('bpf_map_batch_opts', { sz: 'size_t', elem_flags: 'uint64_t', flags: 'uint64_t' });
export const ringBufferOpts = defineStruct('ring_buffer_opts', { sz: 'size_t' });
export const perfBufferOpts = defineStruct('perf_buffer_opts', { sz: 'size_t' });

/** Sizes a C compiler gives for libbpf 1.1.2's headers (x86_64). */
export const expectedStructSizes: Readonly<Record<string, number>> = {
  bpf_object_open_opts: 80,
  bpf_test_run_opts: 80,
  bpf_uprobe_opts: 40,
  bpf_kprobe_opts: 32,
  bpf_tracepoint_opts: 16,
  bpf_perf_event_opts: 16,
  bpf_xdp_attach_opts: 16,
  bpf_tc_hook: 24,
  bpf_tc_opts: 32,
  bpf_map_batch_opts: 24,
  bpf_prog_load_opts: 104,
  ring_buffer_opts: 8,
  perf_buffer_opts: 8,
};

export const structTypes = {
  bpf_object_open_opts: objectOpenOpts,
  bpf_test_run_opts: testRunOpts,
  bpf_uprobe_opts: uprobeOpts,
  bpf_kprobe_opts: kprobeOpts,
  bpf_tracepoint_opts: tracepointOpts,
  bpf_perf_event_opts: perfEventOpts,
  bpf_xdp_attach_opts: xdpAttachOpts,
  bpf_tc_hook: tcHook,
  bpf_tc_opts: tcOpts,
  bpf_map_batch_opts: mapBatchOpts,
  bpf_prog_load_opts: progLoadOpts,
  ring_buffer_opts: ringBufferOpts,
  perf_buffer_opts: perfBufferOpts,
} as const;

/** `sz` for a struct: its full size, as libbpf's OPTS_VALID expects. */
export function sizeOf(type: keyof typeof structTypes): number {
  return koffi.sizeof(structTypes[type]);
}

// Callback prototypes. va_list is passed as a pointer on x86_64/aarch64 (it decays to one), so the
// print callback receives it as `void *` and hands it to vsnprintf.
export const printFn = defineProto('libbpf_print_fn', 'int libbpf_print_fn(int level, const char *fmt, void *args)');
export const ringBufferSampleFn = defineProto('ring_buffer_sample_fn', 'int ring_buffer_sample_fn(void *ctx, void *data, size_t size)');
export const perfBufferSampleFn = defineProto('perf_buffer_sample_fn', 'void perf_buffer_sample_fn(void *ctx, int cpu, void *data, uint32_t size)');
export const perfBufferLostFn = defineProto('perf_buffer_lost_fn', 'void perf_buffer_lost_fn(void *ctx, int cpu, uint64_t cnt)');
