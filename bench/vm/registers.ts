/**
 * The interpreter's register-file choice, measured: the same tight loop (mul, xor, add, add, compare
 * and branch per iteration, like bench loop_sum) run over 64-bit registers held as a BigInt64Array
 * versus as int32 (lo, hi) pairs in an Int32Array, the representation the interpreter uses.
 */
function bigintLoop(n: number): bigint {
  const R = new BigInt64Array(4);
  R[0] = 0n;
  R[1] = 0n;
  while (R[1] < BigInt(n)) {
    R[2] = BigInt.asIntN(64, R[1] * R[1]);
    R[0] ^= R[2];
    R[0] = BigInt.asIntN(64, R[0] + R[1]);
    R[1] = BigInt.asIntN(64, R[1] + 1n);
  }
  return R[0];
}

function pairLoop(n: number): bigint {
  const R = new Int32Array(8);
  const TWO32 = 4294967296;
  while (R[3] === 0 && R[2] >>> 0 < n) {
    // r2 = r1 * r1 (64-bit product of a value below 2^32: 16-bit limbs)
    const a0 = R[2] & 0xffff;
    const a1 = R[2] >>> 16;
    const p00 = a0 * a0;
    const p01 = a0 * a1;
    const p11 = a1 * a1;
    const mid = (p00 >>> 16) + (p01 & 0xffff) * 2;
    R[4] = (mid << 16) | (p00 & 0xffff);
    R[5] = (p11 + (p01 >>> 16) * 2 + (mid >>> 16)) | 0;
    R[0] ^= R[4];
    R[1] ^= R[5];
    const l = (R[0] >>> 0) + (R[2] >>> 0);
    R[1] = (R[1] + R[3] + (l >= TWO32 ? 1 : 0)) | 0;
    R[0] = l | 0;
    const m = (R[2] >>> 0) + 1;
    R[3] = (R[3] + (m >= TWO32 ? 1 : 0)) | 0;
    R[2] = m | 0;
  }
  return (BigInt(R[1] >>> 0) << 32n) | BigInt(R[0] >>> 0);
}

function best(fn: () => void, rounds: number): number {
  let t = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    fn();
    t = Math.min(t, performance.now() - t0);
  }
  return t;
}

export function measureRegisterFiles(quick: boolean): { bigintNsPerIteration: number; int32PairNsPerIteration: number; sameResult: boolean } {
  const n = 200_000;
  const sameResult = BigInt.asUintN(64, bigintLoop(1000)) === pairLoop(1000);
  const rounds = quick ? 5 : 15;
  const big = best(() => bigintLoop(n), rounds);
  const pair = best(() => pairLoop(n), rounds);
  return { bigintNsPerIteration: Number(((big * 1e6) / n).toFixed(2)), int32PairNsPerIteration: Number(((pair * 1e6) / n).toFixed(2)), sameResult };
}
