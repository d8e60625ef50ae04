#!/usr/bin/env node
// Records the kernel's BPF_PROG_TEST_RUN results for the VM's differential cases
// (src/testdata/differential/cases.json -> kernel-results.json). Needs root/CAP_BPF, the compiled
// corpus (bash tests/bpf/build.sh) and built libraries (npm run build), or the sources through the
// TypeScript loader. Run pinned to CPU 0 so per-CPU map values land where the VM (cpu 0) puts them:
//   taskset -c 0 node libs/bpf/vm/tools/record-differential.mjs
//   taskset -c 0 node --conditions=development --import ./scripts/ts-register.mjs libs/bpf/vm/tools/record-differential.mjs
import { Buffer } from 'node:buffer';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dumpMapHex, loadObject, possibleCpus } from '@bpfleet/kernel';
import { BpfProgType, loadBpfObject, objectNameFromPath } from '@bpfleet/elf';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../../..');
const dir = path.join(here, '../src/testdata/differential');
const { cases } = JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8'));
const hex = (bytes) => Buffer.from(bytes).toString('hex');
const bytes = (text) => (text ? new Uint8Array(Buffer.from(text, 'hex')) : undefined);

const results = {};
for (const c of cases) {
  const file = path.join(repoRoot, 'tests/bpf/build', c.object);
  let obj;
  try {
    obj = loadObject(readFileSync(file), { name: objectNameFromPath(file) });
    for (const [mapName, slots] of Object.entries(c.tailCalls ?? {})) {
      for (const [index, programName] of Object.entries(slots)) {
        const key = new Uint8Array(4);
        new DataView(key.buffer).setUint32(0, Number(index), true);
        const value = new Uint8Array(4);
        new DataView(value.buffer).setUint32(0, obj.program(programName).fd, true);
        obj.map(mapName).update(key, value);
      }
    }
    const ctx = bytes(c.ctx);
    const type = loadBpfObject(readFileSync(file), { name: file }).programs.find((p) => p.name === c.program)?.type;
    // raw_tp and syscall programs run once (repeat 0) and take no ctx_out: a syscall program's
    // context is written back into ctx_in, which is its ctx out; raw_tp args are not reported back.
    const once = type === BpfProgType.RAW_TRACEPOINT || type === BpfProgType.RAW_TRACEPOINT_WRITABLE || type === BpfProgType.SYSCALL;
    const run = obj.program(c.program).testRun({
      data: bytes(c.data),
      ctx,
      repeat: once ? 0 : (c.repeat ?? 1),
      ctxSizeOut: ctx && !once ? ctx.length : 0,
    });
    const ctxOut = !ctx ? null : once ? (type === BpfProgType.SYSCALL ? hex(ctx) : '') : hex(run.ctxOut);
    const maps = {};
    for (const [name, map] of obj.maps) if (map.readable) maps[name] = dumpMapHex(map);
    results[c.name] = { retval: run.retval, dataOut: hex(run.dataOut), ctxOut, maps };
    console.log(`${c.name}: retval ${run.retval}`);
  } catch (error) {
    results[c.name] = { error: error instanceof Error ? error.message : String(error) };
    console.log(`${c.name}: ${results[c.name].error}`);
  } finally {
    obj?.close();
  }
}
const kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
writeFileSync(path.join(dir, 'kernel-results.json'), JSON.stringify({ kernel, cpus: possibleCpus(), results }, null, 1) + '\n');
