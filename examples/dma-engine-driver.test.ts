import { describe, expect, it } from 'vitest';
import { Host } from '../src/index.js';
import { DMAE } from '../src/hardware/devices/dma-engine.js';
import { runMemcpyTest } from './dma-engine-driver.js';

const topo = {
  name: 'memcpy', ramBytes: '0x40000000',
  iommu: { addressWidth: 48, pageSizes: ['4K', '2M', '1G'], interruptRemapping: true, invalidation: 'strict', platform: 'intel' },
  pci: [
    { bdf: '0000:00:00.0', type: 'host-bridge' },
    { bdf: '0000:00:02.0', type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: [{ bdf: '0000:02:00.0', type: 'endpoint', model: 'dma-engine', driver: null }] },
  ],
};

describe('memcpy driver for the DMA engine (vfio_pci_driver_test)', () => {
  it('copies through the IOMMU, interrupts via MSI-X, and reports a fault for an unmapped IOVA', () => {
    const host = new Host(topo);
    const r = runMemcpyTest(host, '0000:02:00.0');
    expect(r.copied).toBe(true);
    expect(r.faultStatus).toBe(DMAE.COMP_WRITE_FAULT);
    expect(r.engineHalted).toBe(true);
    const f = host.faults();
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ source: '0000:02:00.0', iova: 0x7000_0000n, access: 'write' });
    expect(host.clock.now()).toBeGreaterThan(0n);
  });

  it('is deterministic: two runs give identical traces', () => {
    const a = new Host(topo);
    const b = new Host(topo);
    runMemcpyTest(a, '0000:02:00.0');
    runMemcpyTest(b, '0000:02:00.0');
    const text = (h: Host) => h.trace.list().map((e) => `${e.time} ${e.kind} ${e.who} ${e.text}`).join('\n');
    expect(text(a)).toBe(text(b));
    expect(text(a)).toContain('MSI');
  });
});
