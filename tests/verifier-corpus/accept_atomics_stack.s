# All atomic read-modify-write operations on a stack slot (add/or/and/xor with and without fetch, xchg, cmpxchg, 32 and 64 bit).
# prog_type: socket_filter
# verdict: accept
# rule: atomics
# mcpu: v3
  r1 = 0
  *(u64 *)(r10 - 8) = r1
  *(u64 *)(r10 - 16) = r1
  r2 = 3
  lock *(u64 *)(r10 - 8) += r2
  lock *(u64 *)(r10 - 8) |= r2
  lock *(u64 *)(r10 - 8) &= r2
  lock *(u64 *)(r10 - 8) ^= r2
  lock *(u32 *)(r10 - 16) += w2
  r3 = 5
  r3 = atomic_fetch_add((u64 *)(r10 - 8), r3)
  r3 = atomic_fetch_or((u64 *)(r10 - 8), r3)
  r3 = atomic_fetch_and((u64 *)(r10 - 8), r3)
  r3 = atomic_fetch_xor((u64 *)(r10 - 8), r3)
  w4 = 1
  w4 = atomic_fetch_add((u32 *)(r10 - 16), w4)
  r3 = xchg_64(r10 - 8, r3)
  r0 = 0
  r0 = cmpxchg_64(r10 - 8, r0, r3)
  w0 = 0
  w0 = cmpxchg32_32(r10 - 16, w0, w4)
  r0 = *(u64 *)(r10 - 8)
  exit
