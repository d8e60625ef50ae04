import type { CliIo } from '../io.js';

/** What a command printed when run in-process: stdout and stderr as text, and every line in order. */
export interface CapturedIo extends CliIo {
  stdout: string;
  stderr: string;
  /** Lines of both streams, in the order they were written. */
  readonly lines: string[];
  /** `lines` joined. */
  text(): string;
}

/** A `CliIo` that keeps what the command writes, for specs that call `main([...])`. */
export function capture(): CapturedIo {
  const io: CapturedIo = {
    stdout: '',
    stderr: '',
    lines: [],
    out: (t) => {
      io.stdout += `${t}\n`;
      io.lines.push(t);
    },
    err: (t) => {
      io.stderr += `${t}\n`;
      io.lines.push(t);
    },
    text: () => io.lines.join('\n'),
  };
  return io;
}
