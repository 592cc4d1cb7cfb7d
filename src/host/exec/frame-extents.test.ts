import { describe, expect, it } from 'vitest';
import { FrameExtents } from './frame-extents.js';

describe('FrameExtents', () => {
  it('merges runs that continue each other and splits on removal', () => {
    const x = new FrameExtents();
    x.add({ pfn: 10, n: 2, va: 0x1000, file: -1, pos: 0 });
    x.add({ pfn: 12, n: 2, va: 0x3000, file: -1, pos: 0 }); // continues virtually and physically
    x.add({ pfn: 14, n: 2, va: 0x9000, file: -1, pos: 0 }); // a jump in address: a new extent
    x.add({ pfn: 16, n: 2, va: 0xb000, file: 7, pos: 0 }); // a file: a new extent
    x.add({ pfn: 18, n: 1, va: 0xd000, file: 7, pos: 0x3000 }); // same file, position does not continue
    expect(x.length).toBe(4);
    expect(x.find(13)).toEqual({ pfn: 10, n: 4, va: 0x1000, file: -1, pos: 0 });
    x.remove(11, 2);
    expect(x.find(11)).toBeUndefined();
    expect(x.find(10)).toEqual({ pfn: 10, n: 1, va: 0x1000, file: -1, pos: 0 });
    expect(x.find(13)).toMatchObject({ pfn: 13, n: 1, va: 0x4000, file: -1 }); // pos means nothing without a file
    x.remove(17, 1);
    expect(x.find(16)).toEqual({ pfn: 16, n: 1, va: 0xb000, file: 7, pos: 0 });
    expect(x.find(18)).toEqual({ pfn: 18, n: 1, va: 0xd000, file: 7, pos: 0x3000 });
    expect(x.after(15)).toBe(3); // [10] [13] [14-15] | [16] [18]
  });
});
