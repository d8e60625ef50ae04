import { parseCpuList } from './cpu-list.js';

describe('parseCpuList', () => {
  it('should expand ranges and single CPUs', () => {
    expect(parseCpuList('0-3,5,7-8\n')).toEqual([0, 1, 2, 3, 5, 7, 8]);
    expect(parseCpuList('0')).toEqual([0]);
  });

  it('should refuse malformed lists', () => {
    expect(() => parseCpuList('0-a')).toThrow(RangeError);
  });
});
