// The one place koffi is imported, so the FFI surface of the kernel runtime stays in native/.
import koffi from 'koffi';

export { koffi };
/** An opaque native pointer as koffi hands it out (null for NULL). */
export type NativePointer = object;
/** A koffi-bound native function. */
export type NativeFunction = (...args: unknown[]) => unknown;

type TypeObject = ReturnType<typeof koffi.type>;

/**
 * koffi keeps named types in one process-wide registry that outlives module instances (test runners
 * re-import modules), so named types are declared once and looked up afterwards.
 */
function named(name: string, make: () => TypeObject): TypeObject {
  try {
    return koffi.type(name);
  } catch {
    return make();
  }
}

export function defineStruct(name: string, def: Record<string, string>): TypeObject {
  return named(name, () => koffi.struct(name, def));
}

export function defineOpaque(name: string): TypeObject {
  return named(name, () => koffi.opaque(name));
}

export function defineProto(name: string, declaration: string): TypeObject {
  return named(name, () => koffi.proto(declaration));
}
