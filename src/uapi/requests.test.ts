/**
 * The typed request constants: each is typed from its own row (`X = … as Request<'X'>`), and
 * every row's name resolves to the number its constant holds. (That every row's constant is
 * typed at all is checked at compile time in test/types/ioctl-arguments.test-d.ts.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as I from './iommufd.js';
import { IOMMUFD_IOCTLS, VFIO_IOCTLS } from './ioctls.js';
import * as V from './vfio.js';

describe('typed request constants', () => {
  it('each constant is typed from the row of its own name', () => {
    for (const file of ['src/uapi/vfio.ts', 'src/uapi/iommufd.ts']) {
      const text = readFileSync(file, 'utf8');
      const typed = [...text.matchAll(/export const (\w+) = [^;]*? as Request<'(\w+)'>;/gs)];
      expect(typed.length, file).toBeGreaterThan(20);
      for (const [, name, row] of typed) expect(row, file).toBe(name);
    }
  });

  it('every row takes its number from the constant of its name', () => {
    for (const c of VFIO_IOCTLS) expect(c.request, c.name).toBe((V as Record<string, unknown>)[c.name]);
    for (const c of IOMMUFD_IOCTLS) expect(c.request, c.name).toBe((I as Record<string, unknown>)[c.name]);
  });
});
