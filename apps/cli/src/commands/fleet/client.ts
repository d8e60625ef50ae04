import { homedir } from 'node:os';
import { join } from 'node:path';
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { RefusedError, UsageError } from '../../errors.js';

/** Where `bpfleet login` keeps the server and token (mode 0600). BPFLEET_CONFIG_DIR overrides the directory. */
export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env['BPFLEET_CONFIG_DIR'] ?? join(env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config'), 'bpfleet');
  return join(dir, 'credentials.json');
}

export interface Credentials {
  readonly server: string;
  readonly token: string;
}

export async function readCredentials(path = credentialsPath()): Promise<Partial<Credentials>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return {};
    const record = parsed as Record<string, unknown>;
    return {
      ...(typeof record['server'] === 'string' ? { server: record['server'] } : {}),
      ...(typeof record['token'] === 'string' ? { token: record['token'] } : {}),
    };
  } catch {
    return {};
  }
}

export async function writeCredentials(credentials: Credentials, path = credentialsPath()): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600); // writeFile keeps the mode of an existing file
}

/** The server's error body (Nest: {statusCode, message, error}) as one line. */
function serverMessage(status: number, body: unknown): string {
  if (typeof body === 'object' && body !== null) {
    const message = (body as Record<string, unknown>)['message'];
    if (Array.isArray(message)) return `${status}: ${message.join('; ')}`;
    if (typeof message === 'string') return `${status}: ${message}`;
  }
  if (typeof body === 'string' && body.length > 0) return `${status}: ${body.slice(0, 500)}`;
  return `HTTP ${status}`;
}

/** A failed call: exit 1 with the server's message. */
export class ApiError extends RefusedError {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly path: string,
  ) {
    super(`${path}: ${serverMessage(status, body)}`);
    this.name = 'ApiError';
  }
}

export interface ServerOptions {
  readonly server?: string;
  readonly token?: string;
}

/** A thin REST client for /api/v1 over Node's fetch. */
export class ControllerClient {
  constructor(
    readonly server: string,
    private readonly token: string | undefined,
  ) {}

  /** Server from --server, BPFLEET_SERVER or the credentials file; token from BPFLEET_TOKEN or the file. */
  static async resolve(options: ServerOptions, env: NodeJS.ProcessEnv = process.env): Promise<ControllerClient> {
    const stored = await readCredentials(credentialsPath(env));
    const server = options.server ?? env['BPFLEET_SERVER'] ?? stored.server;
    if (!server) throw new UsageError('no server: pass --server URL, set BPFLEET_SERVER or run `bpfleet login`');
    const token = options.token ?? env['BPFLEET_TOKEN'] ?? stored.token;
    return new ControllerClient(normalizeServer(server), token);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers['authorization'] = `Bearer ${this.token}`;
    let payload: string | FormData | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await fetch(`${this.server}${path}`, { method, headers, body: payload });
    } catch (e) {
      const inner = (e as { cause?: { code?: string; message?: string } }).cause;
      const cause = inner?.code ?? inner?.message ?? (e as Error).message;
      throw new RefusedError(`cannot reach ${this.server}: ${cause}`);
    }
    const type = response.headers.get('content-type') ?? '';
    const parsed: unknown = type.includes('json') ? await response.json().catch(() => undefined) : await response.text();
    if (!response.ok) throw new ApiError(response.status, parsed, `${method} ${path}`);
    return parsed as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body ?? {});
  }
}

export function normalizeServer(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`invalid server URL: ${server}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`server URL must be http(s): ${server}`);
  return url.toString().replace(/\/+$/, '');
}
