import { E2BIG, EFAULT, EINVAL } from '../maps/errno.js';
import { PERM_READ, PERM_WRITE } from '../memory/layout.js';
import { formatPrintk } from './format.js';
import { err, helper, type HelperRuntime, readCString } from './runtime.js';
import type { Helper, VmContext } from './types.js';

/** Most iterations `bpf_loop` allows (the kernel's BPF_MAX_LOOPS). */
export const BPF_MAX_LOOPS = 1 << 23;
/** Jiffies per second the VM reports (CONFIG_HZ of common distribution kernels). */
export const VM_HZ = 250;

/** Copies `size` bytes the event source or the program's memory holds at `src` into `dst`. */
function probeRead(vm: VmContext, dst: bigint, size: bigint, src: bigint, asString: boolean): bigint {
  const n = Number(size);
  if (size > 0x7fffffffn) return err(E2BIG);
  vm.mem.checkBig(dst, Math.max(n, 1), PERM_WRITE);
  const fail = () => {
    vm.mem.u8.fill(0, Number(dst), Number(dst) + n);
    return err(EFAULT);
  };
  if (n === 0) return 0n;
  let bytes: Uint8Array | undefined;
  if (vm.mem.isAccessible(src, asString ? 1 : n, PERM_READ)) {
    const at = Number(src);
    const avail = asString ? Math.min(n, regionRemaining(vm, src)) : n;
    bytes = vm.mem.u8.slice(at, at + avail);
  } else {
    bytes = vm.env.probeRead?.(src, n);
  }
  if (!bytes) return fail();
  if (!asString) {
    if (bytes.length < n) return fail();
    vm.mem.u8.set(bytes.subarray(0, n), Number(dst));
    return 0n;
  }
  let len = 0;
  while (len < bytes.length && len < n - 1 && bytes[len] !== 0) len++;
  vm.mem.u8.set(bytes.subarray(0, len), Number(dst));
  vm.mem.u8[Number(dst) + len] = 0;
  return BigInt(len + 1);
}

function regionRemaining(vm: VmContext, address: bigint): number {
  let n = 0;
  while (n < 4096 && vm.mem.isAccessible(address + BigInt(n), 1, PERM_READ)) n++;
  return n;
}

/** Time, identity, tracing, probe_read, loops and locks. */
export function miscHelpers(rt: HelperRuntime): Helper[] {
  const { mem } = rt;
  const readArgs = (data: bigint, len: bigint): bigint[] => {
    const out: bigint[] = [];
    const n = Number(len) / 8;
    for (let i = 0; i < n; i++) out.push(mem.view.getBigUint64(mem.checkBig(data + BigInt(i * 8), 8, PERM_READ), true));
    return out;
  };
  const stringReader = (ptr: bigint) => readCString(mem, ptr, 256);
  return [
    helper('ktime_get_ns', (vm) => vm.env.monotonicNs()),
    helper('ktime_get_boot_ns', (vm) => vm.env.bootNs()),
    helper('ktime_get_coarse_ns', (vm) => vm.env.monotonicNs() - (vm.env.monotonicNs() % 4_000_000n)),
    helper('ktime_get_tai_ns', (vm) => vm.env.bootNs()),
    helper('jiffies64', (vm) => (vm.env.bootNs() * BigInt(VM_HZ)) / 1_000_000_000n),
    helper('get_prandom_u32', (vm) => BigInt(vm.env.randomU32() >>> 0)),
    helper('get_smp_processor_id', (vm) => BigInt(vm.cpu)),
    helper('get_numa_node_id', (vm) => BigInt(vm.env.numaNode)),
    helper('get_current_pid_tgid', (vm) => vm.env.pidTgid),
    helper('get_current_uid_gid', (vm) => vm.env.uidGid),
    helper('get_current_comm', (vm, buf, size) => {
      const n = Number(size);
      const at = mem.checkBig(buf, Math.max(n, 1), PERM_WRITE);
      if (n === 0) return err(EINVAL);
      const bytes = new TextEncoder().encode(vm.env.comm).subarray(0, Math.min(15, n - 1));
      mem.u8.fill(0, at, at + n);
      mem.u8.set(bytes, at);
      return 0n;
    }),
    helper('trace_printk', (vm, fmt, fmtSize, a1, a2, a3) => {
      const text = readCString(mem, fmt, Number(fmtSize));
      mem.checkBig(fmt, Number(fmtSize), PERM_READ);
      const line = formatPrintk(text, [a1, a2, a3], stringReader);
      vm.env.trace(line);
      return BigInt(line.length);
    }),
    helper('trace_vprintk', (vm, fmt, fmtSize, data, dataLen) => {
      const line = formatPrintk(readCString(mem, fmt, Number(fmtSize)), readArgs(data, dataLen), stringReader);
      vm.env.trace(line);
      return BigInt(line.length);
    }),
    helper('snprintf', (_vm, str, strSize, fmt, data, dataLen) => {
      if (dataLen % 8n !== 0n || dataLen > 12n * 8n) return err(EINVAL);
      const line = formatPrintk(readCString(mem, fmt, 1024), readArgs(data, dataLen), stringReader);
      const n = Number(strSize);
      if (n > 0) {
        const at = mem.checkBig(str, n, PERM_WRITE);
        const bytes = new TextEncoder().encode(line).subarray(0, n - 1);
        mem.u8.set(bytes, at);
        mem.u8[at + bytes.length] = 0;
      }
      return BigInt(line.length + 1);
    }),
    helper('probe_read', (vm, dst, size, src) => probeRead(vm, dst, size, src, false)),
    helper('probe_read_kernel', (vm, dst, size, src) => probeRead(vm, dst, size, src, false)),
    helper('probe_read_user', (vm, dst, size, src) => probeRead(vm, dst, size, src, false)),
    helper('probe_read_str', (vm, dst, size, src) => probeRead(vm, dst, size, src, true)),
    helper('probe_read_kernel_str', (vm, dst, size, src) => probeRead(vm, dst, size, src, true)),
    helper('probe_read_user_str', (vm, dst, size, src) => probeRead(vm, dst, size, src, true)),
    helper('loop', (vm, count, callback, cbCtx, flags) => {
      if (flags !== 0n) return err(EINVAL);
      // The kernel inlines bpf_loop when flags are 0 and its inlined code sets the error with a
      // 32-bit move, so the program sees -E2BIG zero-extended (0xfffffff9), not sign-extended.
      if (count > BigInt(BPF_MAX_LOOPS)) return err(E2BIG) & 0xffffffffn;
      const n = Number(count);
      let i = 0;
      while (i < n) {
        const stop = vm.invokeFunction(callback, BigInt(i), cbCtx, 0n, 0n, 0n);
        i++;
        if (stop !== 0n) break;
      }
      return BigInt(i);
    }),
    // One program runs at a time in the VM: the lock only has to be a valid 4-byte location.
    helper('spin_lock', (_vm, lock) => {
      mem.checkBig(lock, 4, PERM_WRITE);
      return 0n;
    }),
    helper('spin_unlock', (_vm, lock) => {
      mem.checkBig(lock, 4, PERM_WRITE);
      return 0n;
    }),
  ];
}
