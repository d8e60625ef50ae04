import { libbpf, isNull } from './native/libbpf.js';
import type { NativePointer } from './native/koffi.js';
import { NativeBuffer } from './native/memory.js';
import { withLibbpfLog } from './native/log.js';
import { lastErrno } from './native/libc.js';
import { sizeOf } from './native/structs.js';
import { KernelError, KernelLoadError } from './errors.js';
import { KernelMap } from './map.js';
import { KernelProgram } from './program.js';

export interface LoadOptions {
  /** Object name libbpf uses (prefix of `.bss`/`.data` map names). Default `bpfleet`. */
  readonly name?: string;
  /** Directory for maps declared with `LIBBPF_PIN_BY_NAME` (default /sys/fs/bpf). */
  readonly pinRoot?: string;
  /** Map name -> bpffs path: reuse the map pinned there if compatible, else create and pin it. */
  readonly mapPinPaths?: Readonly<Record<string, string>>;
  /** Map name -> fd of an existing map to use instead of creating one (map state carry-over). */
  readonly reuseMaps?: Readonly<Record<string, number | KernelMap>>;
  /** Load only these programs (others stay unloaded). Default: all. */
  readonly programs?: readonly string[];
  /** Verifier log level for successful loads too (0: log only on failure). */
  readonly logLevel?: number;
  /** Bytes of verifier log kept per program (default 1 MiB; the kernel keeps the tail). */
  readonly logSize?: number;
}

const DEFAULT_LOG_SIZE = 1 << 20;

/** An open and loaded libbpf object: its programs and maps. close() frees everything. */
export class KernelObject {
  private handle: NativePointer | null;

  constructor(
    handle: NativePointer,
    readonly name: string,
    readonly programs: ReadonlyMap<string, KernelProgram>,
    readonly maps: ReadonlyMap<string, KernelMap>,
    private readonly elf: NativeBuffer,
  ) {
    this.handle = handle;
  }

  get closed(): boolean {
    return this.handle === null;
  }

  /** The program called `name`; throws a KernelError listing the names when absent. */
  program(name: string): KernelProgram {
    const p = this.programs.get(name);
    if (!p) throw new KernelError(`object ${this.name} has no program ${name} (has: ${[...this.programs.keys()].join(', ') || 'none'})`, 'program', 2);
    return p;
  }

  /** The map called `name` as libbpf names it (`counts`, `<obj>.bss`). */
  map(name: string): KernelMap {
    const m = this.maps.get(name);
    if (!m) throw new KernelError(`object ${this.name} has no map ${name} (has: ${[...this.maps.keys()].join(', ') || 'none'})`, 'map', 2);
    return m;
  }

  /** libbpf's `struct bpf_object *`, for BTF access. */
  get native(): NativePointer {
    if (!this.handle) throw new KernelError(`object ${this.name} is closed`, 'bpf_object', 9);
    return this.handle;
  }

  /** Unloads programs and maps not pinned elsewhere; links must be closed first or they keep programs alive. */
  close(): void {
    if (!this.handle) return;
    for (const p of this.programs.values()) p.invalidate();
    for (const m of this.maps.values()) m.invalidate();
    libbpf().bpf_object__close(this.handle);
    this.handle = null;
    this.elf.free();
  }
}

function* programsOf(obj: NativePointer): Generator<NativePointer> {
  const lib = libbpf();
  let p = lib.bpf_object__next_program(obj, null) as NativePointer | null;
  while (!isNull(p)) {
    yield p;
    p = lib.bpf_object__next_program(obj, p) as NativePointer | null;
  }
}

function* mapsOf(obj: NativePointer): Generator<NativePointer> {
  const lib = libbpf();
  let m = lib.bpf_object__next_map(obj, null) as NativePointer | null;
  while (!isNull(m)) {
    yield m;
    m = lib.bpf_object__next_map(obj, m) as NativePointer | null;
  }
}

/** Opens ELF bytes with libbpf (bpf_object__open_mem), applies pin/reuse options and loads. */
export function loadObject(elf: Uint8Array, options: LoadOptions = {}): KernelObject {
  const lib = libbpf();
  const name = options.name ?? 'bpfleet';
  const logSize = options.logSize ?? DEFAULT_LOG_SIZE;
  return withLibbpfLog((libbpfLog) => {
    // libbpf reads the ELF through libelf in place, so keep the bytes in native memory until close.
    const elfMem = NativeBuffer.from(elf);
    const openOpts = {
      sz: sizeOf('bpf_object_open_opts'),
      object_name: name,
      relaxed_maps: false,
      pin_root_path: options.pinRoot ?? null,
      _removed_attach_prog_fd: 0,
      kconfig: null,
      btf_custom_path: null,
      kernel_log_buf: null,
      kernel_log_size: 0,
      kernel_log_level: 0,
    };
    const obj = lib.bpf_object__open_mem(elfMem.ptr, elf.length, openOpts) as NativePointer | null;
    if (isNull(obj)) {
      elfMem.free();
      const errno = koffiErrno();
      throw new KernelLoadError('', errno, '', false, libbpfLog());
    }
    const logs = new Map<string, NativeBuffer>();
    try {
      const wanted = options.programs ? new Set(options.programs) : undefined;
      for (const p of programsOf(obj)) {
        const progName = lib.bpf_program__name(p) as string;
        if (wanted && !wanted.has(progName)) {
          lib.bpf_program__set_autoload(p, false);
          continue;
        }
        const log = new NativeBuffer(logSize);
        logs.set(progName, log);
        check(lib.bpf_program__set_log_buf(p, log.ptr, logSize) as number, 'bpf_program__set_log_buf');
        if (options.logLevel) check(lib.bpf_program__set_log_level(p, options.logLevel) as number, 'bpf_program__set_log_level');
      }
      if (wanted) {
        const present = new Set([...programsOf(obj)].map((p) => lib.bpf_program__name(p) as string));
        const unknown = [...wanted].filter((n) => !present.has(n));
        if (unknown.length) throw new KernelError(`no program ${unknown.join(', ')} in object (has: ${[...present].join(', ')})`, 'bpf_object__open_mem', 2);
      }
      for (const m of mapsOf(obj)) {
        const mapName = lib.bpf_map__name(m) as string;
        const pinPath = options.mapPinPaths?.[mapName];
        if (pinPath) check(lib.bpf_map__set_pin_path(m, pinPath) as number, 'bpf_map__set_pin_path', mapName);
        const reuse = options.reuseMaps?.[mapName];
        if (reuse !== undefined) check(lib.bpf_map__reuse_fd(m, typeof reuse === 'number' ? reuse : reuse.fd) as number, 'bpf_map__reuse_fd', mapName);
      }
      const ret = lib.bpf_object__load(obj) as number;
      if (ret < 0) throw loadFailure(obj, -ret, logs, logSize, libbpfLog());

      const programs = new Map<string, KernelProgram>();
      for (const p of programsOf(obj)) {
        const fd = lib.bpf_program__fd(p) as number;
        if (fd < 0) continue;
        const progName = lib.bpf_program__name(p) as string;
        const verifierLog = options.logLevel ? (logs.get(progName)?.cString() ?? '') : '';
        programs.set(
          progName,
          new KernelProgram(
            progName,
            lib.bpf_program__section_name(p) as string,
            lib.bpf_program__type(p) as number,
            lib.bpf_program__expected_attach_type(p) as number,
            fd,
            false,
            p,
            verifierLog,
          ),
        );
        // The log buffer is only used during load; detach it before freeing.
        lib.bpf_program__set_log_buf(p, null, 0);
      }
      const maps = new Map<string, KernelMap>();
      for (const m of mapsOf(obj)) {
        const fd = lib.bpf_map__fd(m) as number;
        if (fd < 0) continue;
        const mapName = lib.bpf_map__name(m) as string;
        maps.set(
          mapName,
          new KernelMap(
            fd,
            {
              name: mapName,
              type: lib.bpf_map__type(m) as number,
              keySize: lib.bpf_map__key_size(m) as number,
              valueSize: lib.bpf_map__value_size(m) as number,
              maxEntries: lib.bpf_map__max_entries(m) as number,
              flags: lib.bpf_map__map_flags(m) as number,
              btfKeyTypeId: lib.bpf_map__btf_key_type_id(m) as number,
              btfValueTypeId: lib.bpf_map__btf_value_type_id(m) as number,
            },
            false,
            m,
          ),
        );
      }
      for (const log of logs.values()) log.free();
      return new KernelObject(obj, name, programs, maps, elfMem);
    } catch (e) {
      for (const p of programsOf(obj)) lib.bpf_program__set_log_buf(p, null, 0);
      lib.bpf_object__close(obj);
      for (const log of logs.values()) log.free();
      elfMem.free();
      throw e;
    }
  });
}

function check(ret: number, call: string, context?: string): void {
  if (ret < 0) throw KernelError.fromErrno(call, ret, context);
}

function koffiErrno(): number {
  // bpf_object__open_mem returns NULL and sets errno (libbpf 1.0 mode).
  return lastErrno() || 22;
}

/** Finds the program that failed (libbpf stops at the first) and wraps its verifier log. */
function loadFailure(obj: NativePointer, errno: number, logs: Map<string, NativeBuffer>, logSize: number, libbpfLog: string): KernelLoadError {
  const lib = libbpf();
  const failed = /prog '([^']+)': (?:BPF program load failed|failed to load)/.exec(libbpfLog)?.[1];
  let program = failed ?? '';
  if (!program) {
    for (const p of programsOf(obj)) {
      const n = lib.bpf_program__name(p) as string;
      if (logs.has(n) && (lib.bpf_program__fd(p) as number) < 0 && (logs.get(n)?.cString() ?? '') !== '') {
        program = n;
        break;
      }
    }
  }
  const log = program ? (logs.get(program)?.cString() ?? '') : '';
  const truncated = log.length >= logSize - 1;
  return new KernelLoadError(program, errno, log, truncated, libbpfLog);
}
