/**
 * The printf subset `bpf_trace_printk` and `bpf_snprintf` accept: %d %i %u %x %X %o %c %s %p %%, with
 * the l/ll/h/z length modifiers, flags (- 0 + space #), a width and a precision. Integer arguments
 * arrive as u64; `readString` resolves %s pointers through the VM's checked memory.
 */
export function formatPrintk(fmt: string, args: readonly bigint[], readString: (ptr: bigint) => string): string {
  let out = '';
  let argIndex = 0;
  const next = (): bigint => (argIndex < args.length ? args[argIndex++] : 0n);
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    const spec = /^([-0+ #]*)(\d*)(?:\.(\d+))?(hh|h|ll|l|z)?([diuxXocsp%])/.exec(fmt.slice(i + 1));
    if (!spec) {
      out += c;
      continue;
    }
    i += spec[0].length;
    const [, flags, widthText, precisionText, length, conv] = spec;
    if (conv === '%') {
      out += '%';
      continue;
    }
    const raw = next();
    let body: string;
    const bits = length === 'l' || length === 'll' || length === 'z' || conv === 'p' ? 64 : length === 'h' ? 16 : length === 'hh' ? 8 : 32;
    const unsigned = BigInt.asUintN(bits, raw);
    const signed = BigInt.asIntN(bits, raw);
    switch (conv) {
      case 'd':
      case 'i':
        body = signed < 0n ? `-${(-signed).toString()}` : (flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + signed.toString();
        break;
      case 'u':
        body = unsigned.toString();
        break;
      case 'x':
        body = (flags.includes('#') && unsigned !== 0n ? '0x' : '') + unsigned.toString(16);
        break;
      case 'X':
        body = (flags.includes('#') && unsigned !== 0n ? '0X' : '') + unsigned.toString(16).toUpperCase();
        break;
      case 'o':
        body = unsigned.toString(8);
        break;
      case 'c':
        body = String.fromCharCode(Number(raw & 0xffn));
        break;
      case 's':
        body = readString(raw);
        if (precisionText !== undefined) body = body.slice(0, Number(precisionText));
        break;
      default:
        body = `0x${BigInt.asUintN(64, raw).toString(16)}`;
    }
    const width = widthText ? Number(widthText) : 0;
    if (body.length < width) {
      if (flags.includes('-')) body = body.padEnd(width, ' ');
      else if (flags.includes('0') && conv !== 's' && conv !== 'c') {
        const sign = /^[-+ ]/.test(body) ? body[0] : '';
        body = sign + body.slice(sign.length).padStart(width - sign.length, '0');
      } else body = body.padStart(width, ' ');
    }
    out += body;
  }
  return out;
}
