/**
 * Reader of the bpf_conformance `.data` test format: sections opened by `-- NAME` lines, `#`
 * comment lines. `-- asm` holds conformance assembly, `-- raw` the program as 64-bit hex words
 * (`0x5566778800000018`) or as bytes (`85 01 00 00 00 00 00 00`), `-- mem` the input memory bytes,
 * `-- result` the expected r0, `-- error` the expected refusal.
 */
export interface ConformanceTest {
  /** Assembly text of `-- asm` (comments kept; the assembler drops them). */
  readonly asm?: string;
  /** Program bytes of `-- raw`. */
  readonly raw?: Uint8Array;
  /** Input memory of `-- mem` (empty when absent). */
  readonly mem: Uint8Array;
  /** Expected r0 of `-- result`, as an unsigned 64-bit value. */
  readonly result?: bigint;
  /** Expected refusal text of `-- error`. */
  readonly error?: string;
  /** Every section by name, raw text, including ones not listed above (`c`, `no register offset`). */
  readonly sections: ReadonlyMap<string, string>;
}

/** A `.data` file that cannot be read (bad hex in `raw`/`mem`/`result`). */
export class ConformanceFormatError extends Error {
  readonly code = 'EBPF_CONFORMANCE_FORMAT';
  constructor(
    message: string,
    readonly section: string,
    readonly line: number,
  ) {
    super(`${section} line ${line}: ${message}`);
    this.name = 'ConformanceFormatError';
  }
}

export function parseConformanceFile(text: string): ConformanceTest {
  const sections = new Map<string, string[]>();
  const starts = new Map<string, number>();
  let current: string[] | undefined;
  text.split(/\r?\n/).forEach((line, i) => {
    const header = /^--\s*(.*?)\s*$/.exec(line);
    if (header) {
      current = [];
      sections.set(header[1]!, current);
      starts.set(header[1]!, i + 2);
      return;
    }
    // Comment lines only count outside the asm section; the assembler handles its own comments.
    if (current && (line.trimStart().startsWith('#') === false || sections.get('asm') === current)) current.push(line);
  });
  const joined = new Map([...sections].map(([k, v]) => [k, v.join('\n')]));
  const lines = (name: string): { text: string; line: number }[] =>
    (sections.get(name) ?? []).map((t, i) => ({ text: t.trim(), line: (starts.get(name) ?? 0) + i })).filter((l) => l.text !== '');
  const result = lines('result')[0];
  return {
    ...(joined.has('asm') ? { asm: joined.get('asm')! } : {}),
    ...(sections.has('raw') ? { raw: parseRaw(lines('raw')) } : {}),
    mem: parseBytes(lines('mem'), 'mem'),
    ...(result ? { result: parseResult(result.text, result.line) } : {}),
    ...(joined.has('error') ? { error: joined.get('error')!.trim() } : {}),
    sections: joined,
  };
}

function parseResult(text: string, line: number): bigint {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text)) throw new ConformanceFormatError(`bad result '${text}'`, 'result', line);
  return BigInt.asUintN(64, BigInt(text));
}

function parseRaw(lines: { text: string; line: number }[]): Uint8Array {
  const out: number[] = [];
  for (const { text, line } of lines) {
    if (/^0x[0-9a-f]{1,16}$/i.test(text)) {
      let word = BigInt(text);
      for (let b = 0; b < 8; b++, word >>= 8n) out.push(Number(word & 0xffn));
    } else {
      out.push(...parseBytes([{ text, line }], 'raw'));
    }
  }
  return Uint8Array.from(out);
}

function parseBytes(lines: { text: string; line: number }[], section: string): Uint8Array {
  const out: number[] = [];
  for (const { text, line } of lines) {
    for (const tok of text.split(/\s+/)) {
      if (!/^[0-9a-f]{2}$/i.test(tok)) throw new ConformanceFormatError(`bad byte '${tok}'`, section, line);
      out.push(parseInt(tok, 16));
    }
  }
  return Uint8Array.from(out);
}
