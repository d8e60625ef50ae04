// Feeds the VM agents' app-event sockets for the demo: Ethernet frames for the xdp example
// (probe `count_protocols`), tracepoint records for the openat counter (probe `count_openat`) and
// raw-tracepoint argument blocks for the latency histogram (probes `sys_enter` / `sys_exit`).
//   node scripts/demo/app-events.mjs SOCKET [SOCKET...]   (runs until killed; one burst per second)
import net from 'node:net';

const sockets = process.argv.slice(2);
if (sockets.length === 0) {
  process.stderr.write('usage: app-events.mjs SOCKET [SOCKET...]\n');
  process.exit(2);
}

/** A minimal Ethernet + IPv4 header (no checksum needed: the program only reads the protocol). */
function ipv4Frame(protocol, payloadBytes) {
  const frame = Buffer.alloc(14 + 20 + payloadBytes);
  frame.writeUInt16BE(0x0800, 12);
  frame[14] = 0x45;
  frame.writeUInt16BE(20 + payloadBytes, 16);
  frame[22] = 64;
  frame[23] = protocol;
  return frame;
}

const PROTOCOLS = [
  { proto: 6, weight: 6 }, // TCP
  { proto: 17, weight: 3 }, // UDP
  { proto: 1, weight: 1 }, // ICMP
];

function burst(write) {
  for (const { proto, weight } of PROTOCOLS) {
    for (let i = 0; i < weight; i++) {
      write({ probe: 'count_protocols', payload: ipv4Frame(proto, 40 + Math.floor(Math.random() * 1400)).toString('hex') });
    }
  }
  // sys_enter_openat record: common header (8 bytes), syscall nr, dfd, filename, flags, mode.
  for (let i = 0; i < 5; i++) write({ probe: 'count_openat', payload: Buffer.alloc(64).toString('hex') });
  // raw_tp sys_enter / sys_exit: u64 args (regs pointer, syscall nr / return value).
  const args = Buffer.alloc(16).toString('hex');
  for (let i = 0; i < 5; i++) {
    write({ probe: 'sys_enter', payload: args });
    write({ probe: 'sys_exit', payload: args });
  }
}

function connect(path) {
  const socket = net.createConnection(path);
  socket.on('error', () => {
    socket.destroy();
    setTimeout(() => connect(path), 1000);
  });
  socket.on('connect', () => {
    const write = (event) => socket.write(`${JSON.stringify(event)}\n`);
    burst(write);
    const timer = setInterval(() => burst(write), 1000);
    socket.on('close', () => clearInterval(timer));
  });
}

for (const path of sockets) connect(path);
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
