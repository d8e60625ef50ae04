// BTF and BTF.ext parsing, type printing, value decoding
export {};
