/** A minimal client of the controller's REST API for the simulator and benchmarks. */
export class ControllerClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown | FormData): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    let payload: FormData | string | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async publicKey(): Promise<string> {
    return (await this.call<{ publicKey: string }>('GET', '/api/v1/signing/public-key')).publicKey;
  }

  /** Upload an object and wait until its version is signed (or fail). */
  async uploadSigned(name: string, object: Uint8Array, timeoutMs = 60_000): Promise<number> {
    const form = new FormData();
    form.append('name', name);
    form.append('object', new Blob([object]), `${name}.o`);
    const { version } = await this.call<{ version: { version: number } }>('POST', '/api/v1/programs', form);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const v = await this.call<{ status: string }>('GET', `/api/v1/programs/${name}/versions/${version.version}`);
      if (v.status === 'signed') return version.version;
      if (v.status === 'rejected' || v.status === 'error') throw new Error(`${name} v${version.version} is ${v.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${name} v${version.version} not signed within ${timeoutMs} ms`);
  }
}
