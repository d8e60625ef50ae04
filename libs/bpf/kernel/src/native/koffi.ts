// The one place koffi is imported, so the FFI surface of the kernel runtime stays in native/.
import koffi from 'koffi';

export { koffi };
/** An opaque native pointer as koffi hands it out (null for NULL). */
export type NativePointer = object;
/** A koffi-bound native function. */
export type NativeFunction = (...args: unknown[]) => unknown;
