import { execFileSync } from 'node:child_process';

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * A veth pair whose peer lives in a network namespace made for the test: packets sent from inside
 * the namespace arrive on `hostIf` in ours. destroy() removes the namespace (and with it the pair).
 */
export class TestNetwork {
  private constructor(
    readonly ns: string,
    readonly hostIf: string,
    readonly nsIf: string,
    readonly hostIp: string,
    readonly nsIp: string,
  ) {}

  static create(tag: string): TestNetwork {
    const id = `${tag}${process.pid % 100000}`;
    const subnet = 100 + (process.pid % 100);
    const net = new TestNetwork(`bpfleet-${id}`, `bf${id}a`.slice(0, 15), `bf${id}b`.slice(0, 15), `10.231.${subnet}.1`, `10.231.${subnet}.2`);
    try {
      ip('netns', 'add', net.ns);
      ip('link', 'add', net.hostIf, 'type', 'veth', 'peer', 'name', net.nsIf);
      ip('link', 'set', net.nsIf, 'netns', net.ns);
      ip('addr', 'add', `${net.hostIp}/24`, 'dev', net.hostIf);
      ip('link', 'set', net.hostIf, 'up');
      ip('-n', net.ns, 'addr', 'add', `${net.nsIp}/24`, 'dev', net.nsIf);
      ip('-n', net.ns, 'link', 'set', net.nsIf, 'up');
      ip('-n', net.ns, 'link', 'set', 'lo', 'up');
    } catch (e) {
      net.destroy();
      throw new Error(`cannot set up test network: ${(e as { stderr?: Buffer }).stderr?.toString().trim() ?? (e as Error).message}`);
    }
    return net;
  }

  /** Sends `count` UDP datagrams from inside the namespace to hostIp:port. */
  sendUdp(count: number, port: number): void {
    execFileSync('ip', ['netns', 'exec', this.ns, 'bash', '-c', `for i in $(seq ${count}); do echo x > /dev/udp/${this.hostIp}/${port}; done`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }

  destroy(): void {
    try {
      ip('netns', 'del', this.ns);
    } catch {
      // already gone
    }
    try {
      ip('link', 'del', this.hostIf);
    } catch {
      // removed with the namespace
    }
  }
}
