import { defineOpaque, koffi, type NativeFunction, type NativePointer } from './koffi.js';
import './structs.js';
import { KernelUnavailableError, LibbpfSymbolMissingError } from '../errors.js';

// Opaque libbpf handles. Declared before the prototypes that mention them.
defineOpaque('bpf_object');
defineOpaque('bpf_program');
defineOpaque('bpf_map');
defineOpaque('bpf_link');
defineOpaque('ring_buffer');
defineOpaque('perf_buffer');
defineOpaque('btf');

/**
 * Every libbpf function the runtime calls, with the libbpf version that introduced it. Functions
 * missing from the installed libbpf are bound to a thrower, so the library still loads and only the
 * operation that needs the function fails, with a LibbpfSymbolMissingError naming it.
 */
const declarations = {
  libbpf_major_version: ['uint32_t libbpf_major_version(void)', '0.6'],
  libbpf_minor_version: ['uint32_t libbpf_minor_version(void)', '0.6'],
  libbpf_version_string: ['const char *libbpf_version_string(void)', '0.6'],
  libbpf_set_print: ['void *libbpf_set_print(libbpf_print_fn *fn)', '0.0.1'],
  libbpf_num_possible_cpus: ['int libbpf_num_possible_cpus(void)', '0.0.4'],
  libbpf_probe_bpf_prog_type: ['int libbpf_probe_bpf_prog_type(int prog_type, const void *opts)', '0.8'],
  libbpf_probe_bpf_map_type: ['int libbpf_probe_bpf_map_type(int map_type, const void *opts)', '0.8'],
  libbpf_probe_bpf_helper: ['int libbpf_probe_bpf_helper(int prog_type, int helper_id, const void *opts)', '0.8'],

  bpf_object__open_mem: ['bpf_object *bpf_object__open_mem(const void *buf, size_t size, const bpf_object_open_opts *opts)', '0.0.6'],
  bpf_object__load: ['int bpf_object__load(bpf_object *obj)', '0.0.1'],
  bpf_object__close: ['void bpf_object__close(bpf_object *obj)', '0.0.1'],
  bpf_object__name: ['const char *bpf_object__name(const bpf_object *obj)', '0.0.1'],
  bpf_object__next_program: ['bpf_program *bpf_object__next_program(const bpf_object *obj, bpf_program *prev)', '0.7'],
  bpf_object__next_map: ['bpf_map *bpf_object__next_map(const bpf_object *obj, const bpf_map *prev)', '0.7'],
  bpf_object__btf: ['btf *bpf_object__btf(const bpf_object *obj)', '0.0.2'],

  bpf_program__name: ['const char *bpf_program__name(const bpf_program *prog)', '0.0.7'],
  bpf_program__section_name: ['const char *bpf_program__section_name(const bpf_program *prog)', '0.2'],
  bpf_program__fd: ['int bpf_program__fd(const bpf_program *prog)', '0.0.1'],
  bpf_program__type: ['int bpf_program__type(const bpf_program *prog)', '0.0.4'],
  bpf_program__expected_attach_type: ['int bpf_program__expected_attach_type(const bpf_program *prog)', '0.0.4'],
  bpf_program__set_autoload: ['int bpf_program__set_autoload(bpf_program *prog, bool autoload)', '0.1'],
  bpf_program__set_log_buf: ['int bpf_program__set_log_buf(bpf_program *prog, void *buf, size_t size)', '0.7'],
  bpf_program__set_log_level: ['int bpf_program__set_log_level(bpf_program *prog, uint32_t level)', '0.7'],
  bpf_program__insn_cnt: ['size_t bpf_program__insn_cnt(const bpf_program *prog)', '0.7'],
  bpf_program__pin: ['int bpf_program__pin(bpf_program *prog, const char *path)', '0.0.1'],
  bpf_program__unpin: ['int bpf_program__unpin(bpf_program *prog, const char *path)', '0.0.1'],
  bpf_program__attach: ['bpf_link *bpf_program__attach(const bpf_program *prog)', '0.0.7'],
  bpf_program__attach_tracepoint_opts: [
    'bpf_link *bpf_program__attach_tracepoint_opts(const bpf_program *prog, const char *category, const char *name, const bpf_tracepoint_opts *opts)',
    '0.5',
  ],
  bpf_program__attach_raw_tracepoint: ['bpf_link *bpf_program__attach_raw_tracepoint(const bpf_program *prog, const char *name)', '0.0.4'],
  bpf_program__attach_trace: ['bpf_link *bpf_program__attach_trace(const bpf_program *prog)', '0.0.6'],
  bpf_program__attach_kprobe_opts: [
    'bpf_link *bpf_program__attach_kprobe_opts(const bpf_program *prog, const char *func, const bpf_kprobe_opts *opts)',
    '0.5',
  ],
  bpf_program__attach_uprobe_opts: [
    'bpf_link *bpf_program__attach_uprobe_opts(const bpf_program *prog, int pid, const char *binary, size_t offset, const bpf_uprobe_opts *opts)',
    '0.5',
  ],
  bpf_program__attach_xdp: ['bpf_link *bpf_program__attach_xdp(const bpf_program *prog, int ifindex)', '0.2'],
  bpf_program__attach_perf_event_opts: [
    'bpf_link *bpf_program__attach_perf_event_opts(const bpf_program *prog, int pfd, const bpf_perf_event_opts *opts)',
    '0.5',
  ],

  bpf_map__name: ['const char *bpf_map__name(const bpf_map *map)', '0.0.1'],
  bpf_map__fd: ['int bpf_map__fd(const bpf_map *map)', '0.0.1'],
  bpf_map__type: ['int bpf_map__type(const bpf_map *map)', '0.0.4'],
  bpf_map__key_size: ['uint32_t bpf_map__key_size(const bpf_map *map)', '0.0.4'],
  bpf_map__value_size: ['uint32_t bpf_map__value_size(const bpf_map *map)', '0.0.4'],
  bpf_map__max_entries: ['uint32_t bpf_map__max_entries(const bpf_map *map)', '0.0.4'],
  bpf_map__map_flags: ['uint32_t bpf_map__map_flags(const bpf_map *map)', '0.0.4'],
  bpf_map__btf_key_type_id: ['uint32_t bpf_map__btf_key_type_id(const bpf_map *map)', '0.0.1'],
  bpf_map__btf_value_type_id: ['uint32_t bpf_map__btf_value_type_id(const bpf_map *map)', '0.0.1'],
  bpf_map__is_internal: ['bool bpf_map__is_internal(const bpf_map *map)', '0.0.7'],
  bpf_map__set_pin_path: ['int bpf_map__set_pin_path(bpf_map *map, const char *path)', '0.0.6'],
  bpf_map__reuse_fd: ['int bpf_map__reuse_fd(bpf_map *map, int fd)', '0.0.1'],
  bpf_map__pin: ['int bpf_map__pin(bpf_map *map, const char *path)', '0.0.1'],
  bpf_map__unpin: ['int bpf_map__unpin(bpf_map *map, const char *path)', '0.0.1'],

  bpf_link__fd: ['int bpf_link__fd(const bpf_link *link)', '0.0.8'],
  bpf_link__pin: ['int bpf_link__pin(bpf_link *link, const char *path)', '0.0.8'],
  bpf_link__unpin: ['int bpf_link__unpin(bpf_link *link)', '0.0.8'],
  bpf_link__detach: ['int bpf_link__detach(bpf_link *link)', '0.2'],
  bpf_link__destroy: ['int bpf_link__destroy(bpf_link *link)', '0.0.4'],
  bpf_link__open: ['bpf_link *bpf_link__open(const char *path)', '0.0.8'],
  bpf_link__disconnect: ['void bpf_link__disconnect(bpf_link *link)', '0.0.8'],

  bpf_map_lookup_elem: ['int bpf_map_lookup_elem(int fd, const void *key, _Out_ void *value)', '0.0.1'],
  bpf_map_update_elem: ['int bpf_map_update_elem(int fd, const void *key, const void *value, uint64_t flags)', '0.0.1'],
  bpf_map_delete_elem: ['int bpf_map_delete_elem(int fd, const void *key)', '0.0.1'],
  bpf_map_get_next_key: ['int bpf_map_get_next_key(int fd, const void *key, _Out_ void *next_key)', '0.0.1'],
  bpf_map_lookup_batch: [
    'int bpf_map_lookup_batch(int fd, void *in_batch, _Out_ void *out_batch, _Out_ void *keys, _Out_ void *values, _Inout_ uint32_t *count, const bpf_map_batch_opts *opts)',
    '0.0.7',
  ],
  bpf_prog_test_run_opts: ['int bpf_prog_test_run_opts(int fd, _Inout_ bpf_test_run_opts *opts)', '0.7'],
  bpf_prog_load: [
    'int bpf_prog_load(int type, const char *name, const char *license, const void *insns, size_t cnt, const bpf_prog_load_opts *opts)',
    '0.7',
  ],
  bpf_obj_get: ['int bpf_obj_get(const char *path)', '0.0.1'],
  bpf_obj_pin: ['int bpf_obj_pin(int fd, const char *path)', '0.0.1'],
  bpf_prog_get_fd_by_id: ['int bpf_prog_get_fd_by_id(uint32_t id)', '0.0.1'],
  bpf_map_get_fd_by_id: ['int bpf_map_get_fd_by_id(uint32_t id)', '0.0.1'],
  bpf_obj_get_info_by_fd: ['int bpf_obj_get_info_by_fd(int fd, _Inout_ void *info, _Inout_ uint32_t *len)', '0.0.1'],
  bpf_enable_stats: ['int bpf_enable_stats(int type)', '0.0.8'],
  bpf_map_create: [
    'int bpf_map_create(int map_type, const char *map_name, uint32_t key_size, uint32_t value_size, uint32_t max_entries, const void *opts)',
    '0.7',
  ],
  bpf_link_create: ['int bpf_link_create(int prog_fd, int target_fd, int attach_type, const void *opts)', '0.2'],
  bpf_link_detach: ['int bpf_link_detach(int link_fd)', '0.2'],
  bpf_raw_tracepoint_open: ['int bpf_raw_tracepoint_open(const char *name, int prog_fd)', '0.0.4'],

  bpf_xdp_attach: ['int bpf_xdp_attach(int ifindex, int prog_fd, uint32_t flags, const bpf_xdp_attach_opts *opts)', '0.8'],
  bpf_xdp_detach: ['int bpf_xdp_detach(int ifindex, uint32_t flags, const bpf_xdp_attach_opts *opts)', '0.8'],
  bpf_tc_hook_create: ['int bpf_tc_hook_create(bpf_tc_hook *hook)', '0.4'],
  bpf_tc_hook_destroy: ['int bpf_tc_hook_destroy(bpf_tc_hook *hook)', '0.4'],
  bpf_tc_attach: ['int bpf_tc_attach(const bpf_tc_hook *hook, _Inout_ bpf_tc_opts *opts)', '0.4'],
  bpf_tc_detach: ['int bpf_tc_detach(const bpf_tc_hook *hook, const bpf_tc_opts *opts)', '0.4'],

  ring_buffer__new: ['ring_buffer *ring_buffer__new(int map_fd, ring_buffer_sample_fn *cb, void *ctx, const ring_buffer_opts *opts)', '0.0.9'],
  ring_buffer__free: ['void ring_buffer__free(ring_buffer *rb)', '0.0.9'],
  ring_buffer__consume: ['int ring_buffer__consume(ring_buffer *rb)', '0.0.9'],
  ring_buffer__poll: ['int ring_buffer__poll(ring_buffer *rb, int timeout_ms)', '0.0.9'],
  ring_buffer__epoll_fd: ['int ring_buffer__epoll_fd(const ring_buffer *rb)', '0.0.9'],
  perf_buffer__new: [
    'perf_buffer *perf_buffer__new(int map_fd, size_t page_cnt, perf_buffer_sample_fn *sample, perf_buffer_lost_fn *lost, void *ctx, const perf_buffer_opts *opts)',
    '0.7',
  ],
  perf_buffer__free: ['void perf_buffer__free(perf_buffer *pb)', '0.0.4'],
  perf_buffer__consume: ['int perf_buffer__consume(perf_buffer *pb)', '0.1'],
  perf_buffer__poll: ['int perf_buffer__poll(perf_buffer *pb, int timeout_ms)', '0.0.4'],
  perf_buffer__epoll_fd: ['int perf_buffer__epoll_fd(const perf_buffer *pb)', '0.1'],
} as const satisfies Record<string, readonly [string, string]>;

export type LibbpfSymbol = keyof typeof declarations;

/** The bound libbpf: each function takes koffi-marshalled arguments. */
export type Libbpf = { readonly [K in LibbpfSymbol]: NativeFunction } & {
  /** `major.minor` as libbpf reports it at run time. */
  readonly version: string;
  /** Symbols the installed libbpf lacks. */
  readonly missing: readonly LibbpfSymbol[];
  /** The path that was loaded. */
  readonly path: string;
};

const candidates = ['libbpf.so.1', 'libbpf.so'];
let cached: Libbpf | undefined;
let loadError: KernelUnavailableError | undefined;

/** Loads libbpf once (libbpf.so.1) and binds every declared function. */
export function libbpf(): Libbpf {
  if (cached) return cached;
  if (loadError) throw loadError;
  let lib: ReturnType<typeof koffi.load> | undefined;
  let path = '';
  const reasons: string[] = [];
  for (const candidate of candidates) {
    try {
      lib = koffi.load(candidate);
      path = candidate;
      break;
    } catch (e) {
      reasons.push(`${candidate}: ${(e as Error).message}`);
    }
  }
  if (!lib) {
    loadError = new KernelUnavailableError(`cannot load libbpf (install libbpf1): ${reasons.join('; ')}`, 'libbpf');
    throw loadError;
  }
  const bound: Record<string, NativeFunction> = {};
  const missing: LibbpfSymbol[] = [];
  const pending: [LibbpfSymbol, string][] = [];
  for (const [name, [decl, since]] of Object.entries(declarations) as [LibbpfSymbol, readonly [string, string]][]) {
    try {
      bound[name] = lib.func(decl) as NativeFunction;
    } catch {
      missing.push(name);
      pending.push([name, since]);
    }
  }
  const major = bound.libbpf_major_version ? (bound.libbpf_major_version() as number) : 0;
  const minor = bound.libbpf_minor_version ? (bound.libbpf_minor_version() as number) : 0;
  const version = major ? `${major}.${minor}` : 'unknown (< 0.6)';
  for (const [name, since] of pending) {
    bound[name] = () => {
      throw new LibbpfSymbolMissingError(name, since, version);
    };
  }
  cached = Object.assign(bound, { version, missing, path }) as unknown as Libbpf;
  return cached;
}

/** Whether a native pointer returned by libbpf is NULL. */
export function isNull(p: NativePointer | null | undefined): p is null | undefined {
  return p === null || p === undefined;
}
