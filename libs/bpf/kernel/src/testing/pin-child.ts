// Child process for the pin test: loads the openat counter, attaches it, pins link, program and map
// under the directory given as argv[2], prints their ids and exits without cleaning up.
import { readFileSync } from 'node:fs';
import { loadObject } from '../object.js';
import { attachTracepoint } from '../attach/tracepoint.js';
import { ensurePinDir } from '../pin.js';

const [dir, objectPath] = process.argv.slice(2) as [string, string];
ensurePinDir(dir);
const obj = loadObject(new Uint8Array(readFileSync(objectPath)), { name: 'kernel_openat', mapPinPaths: { opens: `${dir}/opens` } });
const program = obj.program('count_openat');
const link = attachTracepoint(program, 'syscalls/sys_enter_openat');
link.pin(`${dir}/link`);
program.pin(`${dir}/prog`);
process.stdout.write(JSON.stringify({ programId: program.info().id, pid: process.pid }));
process.exit(0);
