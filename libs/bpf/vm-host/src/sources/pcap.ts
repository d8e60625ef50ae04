import { memoryWindow, type ByteWindow } from './byte-window.js';

/**
 * Reader for capture files: classic pcap (microsecond and nanosecond, either byte order) and pcapng
 * (section header, interface description, enhanced/simple/obsolete packet blocks; other blocks are
 * skipped). Pure: bytes in, packets out; any malformation is a PcapError, never a crash or a hang.
 */

export type PcapErrorCode = 'PCAP_BAD_MAGIC' | 'PCAP_TRUNCATED' | 'PCAP_BAD_BLOCK' | 'PCAP_UNSUPPORTED';

export class PcapError extends Error {
  constructor(
    readonly code: PcapErrorCode,
    message: string,
    /** Byte offset in the file where the problem is. */
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
    this.name = 'PcapError';
  }
}

/** LINKTYPE_ETHERNET: frames start at the Ethernet header. */
export const LINKTYPE_ETHERNET = 1;
/** Largest packet a record may claim (pcapng and libpcap both cap snap lengths at 256 KiB). */
export const MAX_PACKET = 262144;

export interface PcapPacket {
  /** Capture time in nanoseconds since the epoch. */
  readonly timestampNs: bigint;
  /** Captured bytes (a view into the file's bytes). */
  readonly data: Uint8Array;
  /** Length on the wire (≥ data.length when the capture was cut at the snap length). */
  readonly originalLength: number;
  readonly linkType: number;
  readonly interfaceId: number;
}

const CLASSIC = new Map<number, { littleEndian: boolean; nanos: boolean }>([
  [0xa1b2c3d4, { littleEndian: true, nanos: false }],
  [0xd4c3b2a1, { littleEndian: false, nanos: false }],
  [0xa1b23c4d, { littleEndian: true, nanos: true }],
  [0x4d3cb2a1, { littleEndian: false, nanos: true }],
]);
const PCAPNG_SHB = 0x0a0d0d0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export type PcapFormat = 'pcap' | 'pcapng';

/** Which format the bytes are in, or a PcapError. */
export function pcapFormat(bytes: Uint8Array): PcapFormat {
  return formatOf(memoryWindow(bytes));
}

function formatOf(w: ByteWindow): PcapFormat {
  if (w.length < 4) throw new PcapError('PCAP_TRUNCATED', `a capture file has at least a 4-byte magic, got ${w.length} bytes`, 0);
  const magic = w.view.getUint32(w.load(0, 4), true);
  if (CLASSIC.has(magic)) return 'pcap';
  if (magic === PCAPNG_SHB) return 'pcapng';
  throw new PcapError('PCAP_BAD_MAGIC', `not a pcap or pcapng file (magic 0x${magic.toString(16).padStart(8, '0')})`, 0);
}

/** Every packet of a capture in memory, in file order. Lazy: errors surface when the bad part is reached. */
export function readPcap(bytes: Uint8Array): Generator<PcapPacket> {
  return readPcapWindow(memoryWindow(bytes));
}

/**
 * Every packet of a capture read through a window (a file of any size in bounded memory). Packets
 * from a file window are copies; from memory, views into the bytes.
 */
export function* readPcapWindow(w: ByteWindow): Generator<PcapPacket> {
  if (formatOf(w) === 'pcap') yield* readClassic(w);
  else yield* readPcapng(w);
}

function* readClassic(w: ByteWindow): Generator<PcapPacket> {
  if (w.length < 24) throw new PcapError('PCAP_TRUNCATED', 'pcap global header needs 24 bytes', w.length);
  let o = w.load(0, 24);
  const { littleEndian: le, nanos } = CLASSIC.get(w.view.getUint32(o, true))!;
  const major = w.view.getUint16(o + 4, le);
  if (major !== 2) throw new PcapError('PCAP_UNSUPPORTED', `pcap version ${major}.${w.view.getUint16(o + 6, le)} (only 2.x exists)`, 4);
  // The upper bits of the link-type field carry FCS information (pcap-linktype(7)).
  const linkType = w.view.getUint32(o + 20, le) & 0x0fffffff;
  let at = 24;
  while (at < w.length) {
    if (at + 16 > w.length) throw new PcapError('PCAP_TRUNCATED', 'record header cut short', at);
    o = w.load(at, 16);
    const sec = w.view.getUint32(o, le);
    const frac = w.view.getUint32(o + 4, le);
    const caplen = w.view.getUint32(o + 8, le);
    const len = w.view.getUint32(o + 12, le);
    if (caplen > MAX_PACKET) throw new PcapError('PCAP_BAD_BLOCK', `record claims ${caplen} captured bytes (max ${MAX_PACKET})`, at + 8);
    if (frac >= (nanos ? 1e9 : 1e6)) throw new PcapError('PCAP_BAD_BLOCK', `record timestamp fraction ${frac} out of range`, at + 4);
    if (at + 16 + caplen > w.length) throw new PcapError('PCAP_TRUNCATED', `record of ${caplen} bytes runs past the end of the file`, at);
    o = w.load(at, 16 + caplen);
    yield {
      timestampNs: BigInt(sec) * 1_000_000_000n + BigInt(frac) * (nanos ? 1n : 1000n),
      data: take(w, o + 16, caplen),
      originalLength: Math.max(len, caplen),
      linkType,
      interfaceId: 0,
    };
    at += 16 + caplen;
  }
}

/** `n` bytes at window offset `o`: a view when the window keeps its bytes, else a copy. */
function take(w: ByteWindow, o: number, n: number): Uint8Array {
  return w.stable ? w.u8.subarray(o, o + n) : w.u8.slice(o, o + n);
}

interface NgInterface {
  readonly linkType: number;
  readonly snapLength: number;
  /** Timestamp units per second. */
  readonly unitsPerSecond: bigint;
}

/** Largest pcapng block accepted: a packet of MAX_PACKET plus its header and options. */
const MAX_BLOCK = MAX_PACKET + 65536;

function* readPcapng(w: ByteWindow): Generator<PcapPacket> {
  let le = true;
  let interfaces: NgInterface[] = [];
  let at = 0;
  while (at < w.length) {
    if (at + 12 > w.length) throw new PcapError('PCAP_TRUNCATED', 'block header cut short', at);
    let o = w.load(at, 12);
    const type = w.view.getUint32(o, true);
    if (type === PCAPNG_SHB) {
      // A new section: its byte-order magic decides how everything up to the next one is read.
      const magic = w.view.getUint32(o + 8, true);
      if (magic === BYTE_ORDER_MAGIC) le = true;
      else if (magic === 0x4d3c2b1a) le = false;
      else throw new PcapError('PCAP_BAD_MAGIC', `section header byte-order magic 0x${magic.toString(16)}`, at + 8);
      interfaces = [];
    }
    const blockType = w.view.getUint32(o, le);
    const total = w.view.getUint32(o + 4, le);
    if (total < 12 || total % 4 !== 0) throw new PcapError('PCAP_BAD_BLOCK', `block length ${total} (must be a multiple of 4, at least 12)`, at + 4);
    if (total > MAX_BLOCK) throw new PcapError('PCAP_BAD_BLOCK', `block length ${total} (max ${MAX_BLOCK})`, at + 4);
    if (at + total > w.length) throw new PcapError('PCAP_TRUNCATED', `block of ${total} bytes runs past the end of the file`, at);
    o = w.load(at, total);
    const view = w.view;
    if (view.getUint32(o + total - 4, le) !== total) throw new PcapError('PCAP_BAD_BLOCK', 'trailing block length differs from the leading one', at + total - 4);
    const body = o + 8;
    const bodyEnd = o + total - 4;
    const need = (n: number, what: string) => {
      if (body + n > bodyEnd) throw new PcapError('PCAP_BAD_BLOCK', `${what} block of ${total} bytes is too short`, at);
    };
    switch (blockType) {
      case PCAPNG_SHB: {
        need(16, 'section header');
        const major = view.getUint16(body + 4, le);
        if (major !== 1) throw new PcapError('PCAP_UNSUPPORTED', `pcapng version ${major}.${view.getUint16(body + 6, le)}`, at + 12);
        break;
      }
      case 1: {
        need(8, 'interface description');
        interfaces.push({
          linkType: view.getUint16(body, le),
          snapLength: view.getUint32(body + 4, le),
          unitsPerSecond: tsResolution(view, body + 8, bodyEnd, le, at - o),
        });
        break;
      }
      case 6:
      case 2: {
        need(20, blockType === 6 ? 'enhanced packet' : 'packet');
        const ifId = blockType === 6 ? view.getUint32(body, le) : view.getUint16(body, le);
        const iface = interfaces[ifId];
        if (!iface) throw new PcapError('PCAP_BAD_BLOCK', `packet names interface ${ifId}, the section has ${interfaces.length}`, at + 8);
        const ts = (BigInt(view.getUint32(body + 4, le)) << 32n) | BigInt(view.getUint32(body + 8, le));
        const caplen = view.getUint32(body + 12, le);
        const len = view.getUint32(body + 16, le);
        if (caplen > MAX_PACKET) throw new PcapError('PCAP_BAD_BLOCK', `packet claims ${caplen} captured bytes (max ${MAX_PACKET})`, at + 20);
        need(20 + caplen, 'packet');
        yield packet(w, body + 20, caplen, len, ts, iface, ifId);
        break;
      }
      case 3: {
        need(4, 'simple packet');
        const iface = interfaces[0];
        if (!iface) throw new PcapError('PCAP_BAD_BLOCK', 'simple packet block before any interface description', at);
        const len = view.getUint32(body, le);
        const caplen = Math.min(len, iface.snapLength || len, bodyEnd - body - 4);
        // Simple packet blocks carry no timestamp.
        yield packet(w, body + 4, caplen, len, 0n, iface, 0);
        break;
      }
      default:
        break; // name resolution, statistics, custom blocks: nothing a program runs on
    }
    at += total;
  }
}

function packet(w: ByteWindow, start: number, caplen: number, len: number, ts: bigint, iface: NgInterface, interfaceId: number): PcapPacket {
  return {
    timestampNs: (ts * 1_000_000_000n) / iface.unitsPerSecond,
    data: take(w, start, caplen),
    originalLength: Math.max(len, caplen),
    linkType: iface.linkType,
    interfaceId,
  };
}

/**
 * The if_tsresol option (code 9) of an interface description: 10^-n or 2^-n seconds; default µs.
 * `shift` turns window offsets back into file offsets for error messages.
 */
function tsResolution(view: DataView, at: number, end: number, le: boolean, shift: number): bigint {
  while (at + 4 <= end) {
    const code = view.getUint16(at, le);
    const len = view.getUint16(at + 2, le);
    if (code === 0) break;
    if (at + 4 + len > end) throw new PcapError('PCAP_BAD_BLOCK', `interface option ${code} of ${len} bytes runs past its block`, at + shift);
    if (code === 9 && len >= 1) {
      const v = view.getUint8(at + 4);
      const exp = BigInt(v & 0x7f);
      if ((v & 0x7f) > 63) throw new PcapError('PCAP_UNSUPPORTED', `timestamp resolution exponent ${v & 0x7f}`, at + 4 + shift);
      return v & 0x80 ? 1n << exp : 10n ** exp;
    }
    at += 4 + ((len + 3) & ~3);
  }
  return 1_000_000n;
}

/** Writes packets as a classic little-endian nanosecond pcap (what tests and `record` tools need). */
export function writePcap(packets: readonly { timestampNs: bigint; data: Uint8Array }[], linkType = LINKTYPE_ETHERNET): Uint8Array {
  const size = 24 + packets.reduce((n, p) => n + 16 + p.data.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0xa1b23c4d, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, MAX_PACKET, true);
  v.setUint32(20, linkType, true);
  let at = 24;
  for (const p of packets) {
    v.setUint32(at, Number(p.timestampNs / 1_000_000_000n), true);
    v.setUint32(at + 4, Number(p.timestampNs % 1_000_000_000n), true);
    v.setUint32(at + 8, p.data.length, true);
    v.setUint32(at + 12, p.data.length, true);
    out.set(p.data, at + 16);
    at += 16 + p.data.length;
  }
  return out;
}
