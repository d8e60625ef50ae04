import { execFileSync } from 'node:child_process';

/**
 * A veth pair whose peer lives in a network namespace made for the test; send() sends UDP datagrams
 * from inside the namespace to the host side. destroy() removes both.
 */
export class TestVeth {
  private constructor(
    readonly ns: string,
    readonly hostIf: string,
    readonly hostIp: string,
  ) {}

  static create(tag: string, subnet: number): TestVeth {
    const id = `${tag}${process.pid % 100000}`;
    const veth = new TestVeth(`bpfleet-${id}`, `bf${id}a`.slice(0, 15), `10.233.${subnet}.1`);
    const nsIf = `bf${id}b`.slice(0, 15);
    veth.destroy();
    try {
      ip('netns', 'add', veth.ns);
      ip('link', 'add', veth.hostIf, 'type', 'veth', 'peer', 'name', nsIf);
      ip('link', 'set', nsIf, 'netns', veth.ns);
      ip('addr', 'add', `${veth.hostIp}/24`, 'dev', veth.hostIf);
      ip('link', 'set', veth.hostIf, 'up');
      ip('-n', veth.ns, 'addr', 'add', `10.233.${subnet}.2/24`, 'dev', nsIf);
      ip('-n', veth.ns, 'link', 'set', nsIf, 'up');
    } catch (e) {
      veth.destroy();
      throw new Error(`cannot set up a test network: ${(e as { stderr?: Buffer }).stderr?.toString().trim() ?? (e as Error).message}`);
    }
    return veth;
  }

  send(count: number, port: number): void {
    execFileSync('ip', ['netns', 'exec', this.ns, 'bash', '-c', `for i in $(seq ${count}); do echo x > /dev/udp/${this.hostIp}/${port}; done`], { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  destroy(): void {
    for (const args of [['netns', 'del', this.ns], ['link', 'del', this.hostIf]]) {
      try {
        ip(...args);
      } catch {
        // already gone
      }
    }
  }
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
