import { ProtocolError, type ProtocolIssue } from './errors.js';
import { messageSchemas, type MessageByKind, type MessageKind } from './schemas.js';
import { SUPPORTED_VERSIONS } from './version.js';

/** Largest message either side accepts (NATS' default max_payload is 1 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

export type DecodeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ProtocolError };

export interface DecodeOptions {
  readonly maxBytes?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function issuesOf(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): ProtocolIssue[] {
  return error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

function describe(issues: readonly ProtocolIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}

/** Validate a message object of `kind` (already parsed JSON); typed error, never a throw. */
export function validateMessage<K extends MessageKind>(kind: K, value: unknown): DecodeResult<MessageByKind[K]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: new ProtocolError('INVALID_MESSAGE', `${kind}: message must be a JSON object`, { kind }) };
  }
  const record = value as Record<string, unknown>;
  if (typeof record['v'] !== 'number' || !SUPPORTED_VERSIONS.includes(record['v'])) {
    return {
      ok: false,
      error: new ProtocolError('UNSUPPORTED_VERSION', `${kind}: wire version ${JSON.stringify(record['v'])} not supported (supported: ${SUPPORTED_VERSIONS.join(', ')})`, { kind }),
    };
  }
  if (record['kind'] !== kind) {
    return { ok: false, error: new ProtocolError('WRONG_KIND', `expected a ${kind} message, got kind ${JSON.stringify(record['kind'])}`, { kind }) };
  }
  const parsed = messageSchemas[kind].safeParse(value);
  if (!parsed.success) {
    const issues = issuesOf(parsed.error);
    return { ok: false, error: new ProtocolError('INVALID_MESSAGE', `invalid ${kind} message: ${describe(issues)}`, { kind, issues }) };
  }
  return { ok: true, value: parsed.data as MessageByKind[K] };
}

/** Decode UTF-8 JSON bytes (a NATS payload) into a validated message of `kind`. */
export function decodeMessage<K extends MessageKind>(kind: K, data: Uint8Array, options: DecodeOptions = {}): DecodeResult<MessageByKind[K]> {
  const limit = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (data.byteLength > limit) {
    return { ok: false, error: new ProtocolError('TOO_LARGE', `${kind}: message of ${data.byteLength} bytes exceeds the limit of ${limit}`, { kind, size: data.byteLength, limit }) };
  }
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch (e) {
    return { ok: false, error: new ProtocolError('MALFORMED_JSON', `${kind}: not UTF-8 JSON (${(e as Error).message})`, { kind }) };
  }
  return validateMessage(kind, value);
}

/** Like decodeMessage, but throws the ProtocolError. */
export function decodeMessageOrThrow<K extends MessageKind>(kind: K, data: Uint8Array, options?: DecodeOptions): MessageByKind[K] {
  const result = decodeMessage(kind, data, options);
  if (!result.ok) throw result.error;
  return result.value;
}

/** Validate then serialise; a sender never puts an invalid message on the wire. */
export function encodeMessage<K extends MessageKind>(kind: K, message: MessageByKind[K], options: DecodeOptions = {}): Uint8Array {
  const checked = validateMessage(kind, message);
  if (!checked.ok) throw checked.error;
  const bytes = encoder.encode(JSON.stringify(checked.value));
  const limit = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (bytes.byteLength > limit) {
    throw new ProtocolError('TOO_LARGE', `${kind}: encoded message of ${bytes.byteLength} bytes exceeds the limit of ${limit}`, { kind, size: bytes.byteLength, limit });
  }
  return bytes;
}
