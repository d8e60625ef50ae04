import { loadObject } from './object.js';
import { toHex } from './hex.js';
import type { KernelMap } from './map.js';
import type { TestRunOptions } from './test-run.js';

export interface KernelTestRunOptions {
  readonly data?: Uint8Array;
  readonly ctx?: Uint8Array;
  readonly repeat?: number;
  readonly dataSizeOut?: number;
  readonly ctxSizeOut?: number;
  /**
   * Object name libbpf uses to name global-data maps (`<first 8 chars>.bss`). Pass the BpfObject's
   * name (the file name without `.o`) so map names line up with @bpfleet/elf's. Default `bpfleet`.
   */
  readonly objectName?: string;
}

export interface KernelTestRunResult {
  readonly retval: number;
  readonly dataOut: Uint8Array;
  readonly ctxOut: Uint8Array;
  readonly runs: number;
  readonly nsPerRun: number;
  /** Every readable map after the run: map name (libbpf's) -> key hex -> value hex (raw bytes, in memory order). */
  readonly maps: Record<string, Record<string, string>>;
}

/** All entries of a readable map as hex strings (per-CPU values concatenated CPU by CPU). */
export function dumpMapHex(map: KernelMap): Record<string, string> {
  const out: Record<string, string> = {};
  if (!map.readable) return out;
  for (const { key, value } of map.lookupBatch()) out[toHex(key)] = toHex(value);
  return out;
}

/**
 * Loads an object, runs one program through BPF_PROG_TEST_RUN and returns its result and the maps
 * afterwards; everything is unloaded before returning. Throws KernelLoadError with the verifier log
 * when the kernel refuses the object.
 */
export function kernelTestRun(elfBytes: Uint8Array, programName: string, options: KernelTestRunOptions = {}): KernelTestRunResult {
  const obj = loadObject(elfBytes, { name: options.objectName ?? 'bpfleet' });
  try {
    const program = obj.program(programName);
    const runOptions: TestRunOptions = {
      data: options.data,
      ctx: options.ctx,
      repeat: options.repeat,
      dataSizeOut: options.dataSizeOut,
      ctxSizeOut: options.ctxSizeOut,
    };
    const result = program.testRun(runOptions);
    const maps: Record<string, Record<string, string>> = {};
    for (const [name, map] of obj.maps) if (map.readable) maps[name] = dumpMapHex(map);
    return { ...result, maps };
  } finally {
    obj.close();
  }
}
