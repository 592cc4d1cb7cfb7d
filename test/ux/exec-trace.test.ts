/**
 * Issue 15 item 7 through `vfio-sim exec --trace`: an unmodified C driver's trace shows the
 * same strace-style lines as a scenario's — its ioctl structs decoded and its trapped MMIO
 * loads and stores with their width, BAR offset and value — because exec drives the same
 * process skin. Skipped (with a warning) where no C compiler is around, as test/exec is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { cannotRunC, CPrograms, runC } from '../exec/support/c-programs.js';

const why = cannotRunC();
if (why !== null) console.warn(`test/ux/exec-trace: skipped: ${why}`);

describe.skipIf(why !== null)('vfio-sim exec --trace shows values', () => {
  let progs: CPrograms;
  beforeAll(() => {
    progs = new CPrograms();
  });
  afterAll(() => rmSync(progs.dir, { recursive: true, force: true }));

  it("edu-driver.c: SET_IRQS with its eventfd, and edu's registers as loadN/storeN bar0+off", async () => {
    const r = await runC(progs, 'edu-driver');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.host.trace.list().filter((e) => e.kind === 'syscall' || e.kind === 'cpu').map((e) => e.text);
    expect(lines.some((l) => /^ioctl\(\d+, VFIO_DEVICE_SET_IRQS, \{argsz=\d+, flags=VFIO_IRQ_SET_DATA_EVENTFD\|VFIO_IRQ_SET_ACTION_TRIGGER, index=VFIO_PCI_MSI_IRQ_INDEX, start=0, count=1, data=\[.+\]\}\) = 0$/.test(l)), lines.join('\n')).toBe(true);
    // edu's identification register at BAR0 + 0: 0x010000ed (edu.rst)
    expect(lines).toContain('load32 bar0+0x0 → 0x010000ed');
    expect(lines.some((l) => /^store(32|64) bar0\+0x[0-9a-f]+ ← 0x[0-9a-f]+$/.test(l))).toBe(true);
  }, 60_000);
});
