/**
 * Per-device timing parameters: a bigger DMA bandwidth makes the same ring finish earlier on
 * the virtual clock, a descriptor fetch time and an interrupt latency add exactly what they
 * say, results are identical run after run, and the catalog refuses bad values.
 */
import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { drain, setIrqs } from '../vfio-pci/helpers.js';
import { COMP, migHost, openEngine, queueCopies, reg32, startEngine, DMAE } from '../migration/helpers.js';

const LEN = 64 * 1024;

/** Run 4 copies of 64 KiB; the virtual time at which the last completion MSI arrived, and the data. */
function run(params: Record<string, unknown>): { doneAt: bigint; comp: Uint8Array; completed: number } {
  const host = migHost(params);
  const e = openEngine(host);
  const efd = e.o.p.eventfd();
  setIrqs(e.o, uapi.VFIO_PCI_MSIX_IRQ_INDEX, uapi.VFIO_IRQ_SET_DATA_EVENTFD | uapi.VFIO_IRQ_SET_ACTION_TRIGGER, 0, [efd]);
  queueCopies(e.o, e.mem, 4, LEN);
  // the last descriptor asks for MSI-X vector 0
  const flagsAt = e.mem + BigInt(32 * 3 + 20);
  e.o.p.writeMem(flagsAt, Uint8Array.of(DMAE.DESC_INTERRUPT, 0, 0, 0));
  const t0 = host.clock.now();
  startEngine(e.o, 4);
  let doneAt = -1n;
  while (doneAt < 0n && host.run({ maxEvents: 1 }) > 0) if (drain(e.o.p, efd) > 0n) doneAt = host.clock.now() - t0;
  return { doneAt, comp: e.o.p.readMem(e.mem + (COMP - 0x10_0000n), 64), completed: reg32(e.o, DMAE.COMPLETED) };
}

describe('dma-engine timing parameters', () => {
  it('a bigger bandwidth finishes the same work earlier, with the same results', () => {
    const slow = run({ bytesPerUs: 1000 });
    const fast = run({ bytesPerUs: 20_000 });
    expect(slow.completed).toBe(4);
    expect(fast.completed).toBe(4);
    expect(fast.comp).toEqual(slow.comp);
    // 4 × (500 ns fetch + 65536 B / rate)
    expect(slow.doneAt).toBe(4n * (500n + 65_536n));
    expect(fast.doneAt).toBe(4n * (500n + 3_277n));
  });

  it('fetch time and interrupt latency add exactly what they say', () => {
    const base = run({ bytesPerUs: 65_536 });
    const slower = run({ bytesPerUs: 65_536, fetchNs: 2_000, irqLatencyNs: '0x3e8' });
    expect(base.doneAt).toBe(4n * (500n + 1_000n));
    expect(slower.doneAt).toBe(4n * (2_000n + 1_000n) + 1_000n);
  });

  it('is identical run after run', () => {
    const a = run({ bytesPerUs: 3_333, fetchNs: 777, irqLatencyNs: 55 });
    const b = run({ bytesPerUs: 3_333, fetchNs: 777, irqLatencyNs: 55 });
    expect(a).toEqual(b);
  });

  it('the catalog validates the params (path of the bad field)', () => {
    const bad = (params: Record<string, unknown>): string => {
      try {
        migHost(params);
      } catch (e) {
        return String((e as Error).message);
      }
      return 'accepted';
    };
    expect(bad({ bytesPerUs: 0 })).toMatch(/params\.bytesPerUs/);
    expect(bad({ fetchNs: -1 })).toMatch(/params\.fetchNs/);
    expect(bad({ migration: ['sideways'] })).toMatch(/params\.migration/);
    expect(bad({ colour: 'red' })).toMatch(/params/);
    expect(() => new Host({ name: 'x', pci: [{ bdf: '0000:00:00.0', type: 'host-bridge' }, { bdf: '0000:00:03.0', type: 'endpoint', model: 'nic', params: { bytesPerUs: 2500, irqLatencyNs: 100 } }] })).not.toThrow();
  });
});
