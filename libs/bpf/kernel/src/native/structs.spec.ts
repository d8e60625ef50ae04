import { expectedStructSizes, sizeOf, structTypes } from './structs.js';

describe('libbpf option struct layouts', () => {
  it.each(Object.keys(expectedStructSizes))('should give %s the size a C compiler gives it', (name) => {
    expect(sizeOf(name as keyof typeof structTypes)).toBe(expectedStructSizes[name]);
  });
});
