import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBpfObject } from '@bpfleet/elf';
import { coreFieldTypes, globalFunctionSignatures, parseObjectBtf } from './object-btf.js';
import { findRepoRoot } from './testing/corpus.js';

const root = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));
const load = (rel: string) => {
  const file = path.join(root, rel);
  if (!existsSync(file)) return null;
  return loadBpfObject(new Uint8Array(readFileSync(file)), { name: path.basename(file) });
};
const coreTask = load('tests/bpf/build/core_task.o');
const globalNull = load('tests/verifier-corpus/build/reject_global_func_null_arg.o');
if (!coreTask || !globalNull) console.log('object BTF tests skipped: build tests/bpf and tests/verifier-corpus first');

describe('what the verifier reads from object BTF', () => {
  (coreTask ? it : it.skip)('types CO-RE field loads by the local struct: pointers to structs by name, others null', () => {
    const prog = coreTask!.programs.find((p) => p.name === 'trace_exec')!;
    const types = coreFieldTypes(parseObjectBtf(coreTask!), prog);
    const at = (access: string) => types.get(prog.coreRelocations.find((r) => r.accessString === access && r.kind === 0)!.insn);
    expect(at('0:0')).toBeNull(); // pid
    expect(at('0:3')).toBe('task_struct'); // real_parent
    expect(at('0:4')).toBe('cred'); // const struct cred *
  });
  (globalNull ? it : it.skip)('reads global function prototypes', () => {
    const prog = globalNull!.programs.find((p) => p.name === 'call_global')!;
    const [sig] = globalFunctionSignatures(parseObjectBtf(globalNull!), prog);
    expect(sig).toMatchObject({ name: 'first_word', args: [{ kind: 'mem', size: 4 }], unsupported: null });
  });
});
