// Opens a file over and over under its own process name (comm), so the kernel's per-{pid, comm} openat
// counter for it counts exactly these opens. Prints the running count (one line per burst) and, when
// stdin closes, the final count as `done N`, then exits.
//   node open-files.mjs COMM
import { closeSync, openSync } from 'node:fs';

const comm = process.argv[2];
if (!comm || comm.length > 15) {
  process.stderr.write('usage: open-files.mjs COMM (at most 15 characters)\n');
  process.exit(2);
}

let opened = 0;
let timer;
// Stdin and stdout are set up before the rename: Node opens /dev/null while it does, which must not count.
process.stdin.resume();
process.stdin.on('end', () => {
  clearInterval(timer);
  process.stdout.write(`done ${opened}\n`);
  process.exit(0);
});
process.stdout.write('0\n');

// From here on this thread's comm is COMM: its openat calls are keyed by it, nothing else's.
process.title = comm;
timer = setInterval(() => {
  for (let i = 0; i < 20; i++) {
    closeSync(openSync('/dev/null', 'r'));
    opened++;
  }
  process.stdout.write(`${opened}\n`);
}, 20);
