// Worker thread that drives a loaded program through BPF_PROG_TEST_RUN at a steady rate, so a
// consumer on the main thread can be measured against a producer it does not control.
// workerData: { progFd, rate (runs/s), total (runs), batch (runs per syscall) }.
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import koffi from 'koffi';

const lib = koffi.load('libbpf.so.1');
let optsType;
try {
  optsType = koffi.type('bpfleet_producer_test_run_opts');
} catch {
  optsType = koffi.struct('bpfleet_producer_test_run_opts', {
    sz: 'size_t', data_in: 'void *', data_out: 'void *', data_size_in: 'uint32_t', data_size_out: 'uint32_t',
    ctx_in: 'void *', ctx_out: 'void *', ctx_size_in: 'uint32_t', ctx_size_out: 'uint32_t', retval: 'uint32_t',
    repeat: 'int', duration: 'uint32_t', flags: 'uint32_t', cpu: 'uint32_t', batch_size: 'uint32_t',
  });
}
const testRun = lib.func('bpf_prog_test_run_opts', 'int', ['int', koffi.inout(koffi.pointer(optsType))]);

const { progFd, rate, total, batch } = workerData;
const data = Buffer.alloc(64);
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const start = performance.now();
let sent = 0;
while (sent < total) {
  const due = start + (sent / rate) * 1000;
  const wait = due - performance.now();
  if (wait > 1) Atomics.wait(sleeper, 0, 0, wait);
  const n = Math.min(batch, total - sent);
  const opts = {
    sz: koffi.sizeof(optsType), data_in: data, data_out: null, data_size_in: data.length, data_size_out: 0,
    ctx_in: null, ctx_out: null, ctx_size_in: 0, ctx_size_out: 0, retval: 0, repeat: n, duration: 0, flags: 0, cpu: 0, batch_size: 0,
  };
  const ret = testRun(progFd, opts);
  if (ret < 0) {
    parentPort.postMessage({ error: `bpf_prog_test_run_opts: ${ret}` });
    process.exit(1);
  }
  sent += n;
}
parentPort.postMessage({ sent, elapsedMs: performance.now() - start });
