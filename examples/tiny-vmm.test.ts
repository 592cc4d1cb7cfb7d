import { describe, expect, it } from 'vitest';
import { Host } from '../src/index.js';
import { tinyVmm } from './tiny-vmm.js';

const topo = {
  name: 'vmm', ramBytes: '0x40000000',
  iommu: { addressWidth: 48, pageSizes: ['4K', '2M', '1G'], interruptRemapping: true, invalidation: 'strict', platform: 'intel' },
  pci: [
    { bdf: '0000:00:00.0', type: 'host-bridge' },
    { bdf: '0000:00:03.0', type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: [{ bdf: '0000:03:00.0', type: 'endpoint', model: 'nic', driver: null }] },
  ],
};

describe('tiny VMM with an assigned NIC', () => {
  it("the guest's frame loops back into guest RAM, with one TX and one RX interrupt", () => {
    const host = new Host(topo);
    const r = tinyVmm(host, '0000:03:00.0');
    expect(new TextDecoder().decode(r.received)).toBe('hello from the guest, through a real IOMMU');
    expect(r.txIrqs).toBe(1n);
    expect(r.rxIrqs).toBe(1n);
    expect(host.faults()).toEqual([]);
  });
});
