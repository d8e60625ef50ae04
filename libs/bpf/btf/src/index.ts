// BTF and BTF.ext parsing, type printing, value decoding.
export * from './errors.js';
export * from './types.js';
export { Btf, MAX_NESTING_DEPTH, MAX_RESOLVE_DEPTH, MAX_TYPE_SIZE } from './btf.js';
export { parseBtf, parseBtfHeader, referencedIds, BTF_MAGIC, type BtfHeader, type BtfParseOptions } from './parse.js';
export { formatType, formatDeclaration, formatDefinition, type FormatOptions } from './format.js';
export { decodeValue, type DecodeOptions, type JsonValue } from './decode.js';
export * from './ext.js';
