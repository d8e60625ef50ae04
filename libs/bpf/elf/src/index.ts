// ELF object loader producing a loader-neutral BpfObject.
export * from './object.js';
export { ElfError, type ElfErrorCode } from './errors.js';
export { loadBpfObject, objectNameFromPath, type LoadOptions } from './loader.js';
export { matchSection, progTypeName, SECTION_DEFS, BpfAttach, type SectionDef, type SectionMatch } from './section-defs.js';
export { mapTypeName, internalMapName, BPF_F_MMAPABLE, BPF_F_RDONLY_PROG } from './maps.js';
export { BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE } from './programs.js';
export { parseElfFile, type ElfFile, type ElfSection, type ElfSymbol, type ElfRelocation } from './elf-file.js';
