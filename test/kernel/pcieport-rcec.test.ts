/**
 * A Root Complex Event Collector (topology type `rcec`: PCIe type PCI_EXP_TYPE_RC_EC, a type 0
 * function of class 0x0807 on the root bus) is a port pcieport drives: port_pci_ids has an
 * entry for the RCEC class and pcie_portdrv_probe accepts RC_EC beside root and switch ports
 * (drivers/pci/pcie/portdrv.c). An RCiEP (RC_END) is not one. The id table matches by class
 * alone and the probe checks the type, so a function of the bridge class that is not a port
 * is refused at probe (ENODEV) and one of another class is never matched.
 */
import { describe, expect, it } from 'vitest';
import { Host } from '../../src/index.js';
import { parseTopology } from '../../src/hardware/topology/parse.js';
import { errnoOf } from '../support/errno.js';

const RCEC = '0000:00:07.0';
const RCIEP = '0000:00:03.0';
const TOPO = {
  name: 'rcec box',
  pci: [
    { bdf: '0000:00:00.0', type: 'host-bridge' },
    { bdf: RCIEP, type: 'rciep', model: 'edu', driver: null },
    { bdf: RCEC, type: 'rcec' },
  ],
};

describe('pcieport on a Root Complex Event Collector', () => {
  it('an rcec is a PCIe RC_EC function of class 0x080700 with a type 0 header, bound to pcieport at boot', () => {
    const fn = parseTopology(TOPO).byBdf(RCEC)!;
    expect(fn).toMatchObject({ isPcie: true, portType: 0xa, headerType: 0, classCode: 0x080700, driver: 'pcieport' });
    const sh = new Host(TOPO).spawn();
    expect(sh.readFile(`/sys/bus/pci/devices/${RCEC}/class`)).toBe('0x080700\n');
    expect(sh.readlink(`/sys/bus/pci/devices/${RCEC}/driver`).endsWith('/drivers/pcieport')).toBe(true);
    // the PCIe capability's Device/Port Type field (bits 7:4 of PCIe Capabilities) reads 0xa
    const cfg = sh.pread(sh.open(`/sys/bus/pci/devices/${RCEC}/config`), 256, 0n);
    let cap = cfg[0x34]!;
    while (cap !== 0 && cfg[cap] !== 0x10) cap = cfg[cap + 1]!;
    expect(cap).not.toBe(0);
    expect((cfg[cap + 2]! >> 4) & 0xf).toBe(0xa);
  });

  it('pcieport matches it again after an unbind (bind, drivers_probe); it does not take an RCiEP', () => {
    const sh = new Host(TOPO).spawn();
    sh.writeFile(`/sys/bus/pci/devices/${RCEC}/driver/unbind`, RCEC);
    expect(errnoOf(() => sh.readlink(`/sys/bus/pci/devices/${RCEC}/driver`))).toBe('ENOENT');
    sh.writeFile('/sys/bus/pci/drivers/pcieport/bind', RCEC);
    expect(sh.readlink(`/sys/bus/pci/devices/${RCEC}/driver`).endsWith('/drivers/pcieport')).toBe(true);
    sh.writeFile('/sys/bus/pci/drivers/pcieport/unbind', RCEC);
    sh.writeFile('/sys/bus/pci/drivers_probe', RCEC);
    expect(sh.readlink(`/sys/bus/pci/devices/${RCEC}/driver`).endsWith('/drivers/pcieport')).toBe(true);

    expect(errnoOf(() => sh.writeFile('/sys/bus/pci/drivers/pcieport/bind', RCIEP))).toBe('ENODEV'); // bind_store: no match
    sh.writeFile('/sys/bus/pci/drivers_probe', RCIEP);
    expect(errnoOf(() => sh.readlink(`/sys/bus/pci/devices/${RCIEP}/driver`))).toBe('ENOENT');
  });

  it("pcieport's id table matches by class and its probe refuses what is not a port (ENODEV)", () => {
    const topo = {
      name: 'bridges',
      pci: [
        { bdf: '0000:00:00.0', type: 'host-bridge' },
        { bdf: RCIEP, type: 'rciep', model: 'edu', driver: null },
        { bdf: '0000:00:05.0', type: 'pcie-to-pci-bridge', secondaryBus: 1, children: [{ bdf: '0000:01:00.0', type: 'legacy-endpoint', conventional: true }] },
        { bdf: '0000:00:06.0', type: 'root-port', class: '0x088000', secondaryBus: 2 },
      ],
    };
    const sh = new Host(topo).spawn();
    // driver_override matches any driver; pcie_portdrv_probe then says ENODEV for an RCiEP
    sh.writeFile(`/sys/bus/pci/devices/${RCIEP}/driver_override`, 'pcieport');
    expect(errnoOf(() => sh.writeFile('/sys/bus/pci/drivers/pcieport/bind', RCIEP))).toBe('ENODEV');
    expect(errnoOf(() => sh.readlink(`/sys/bus/pci/devices/${RCIEP}/driver`))).toBe('ENOENT');
    // a PCIe-to-PCI bridge has the bridge class the id table names, but PCIe type PCI_BRIDGE
    expect(sh.readFile('/sys/bus/pci/devices/0000:00:05.0/class')).toBe('0x060400\n');
    expect(errnoOf(() => sh.writeFile('/sys/bus/pci/drivers/pcieport/bind', '0000:00:05.0'))).toBe('ENODEV');
    sh.writeFile('/sys/bus/pci/drivers_probe', '0000:00:05.0'); // ENODEV from a probe: the next driver, none
    expect(errnoOf(() => sh.readlink('/sys/bus/pci/devices/0000:00:05.0/driver'))).toBe('ENOENT');
    // a root port whose class is not in port_pci_ids is not matched at all once unbound
    sh.writeFile('/sys/bus/pci/devices/0000:00:06.0/driver/unbind', '0000:00:06.0');
    expect(errnoOf(() => sh.writeFile('/sys/bus/pci/drivers/pcieport/bind', '0000:00:06.0'))).toBe('ENODEV');
    sh.writeFile('/sys/bus/pci/drivers_probe', '0000:00:06.0');
    expect(errnoOf(() => sh.readlink('/sys/bus/pci/devices/0000:00:06.0/driver'))).toBe('ENOENT');
  });

  it('sits on the root bus only, as an RCiEP does', () => {
    const below = {
      name: 'rcec below a port',
      pci: [
        { bdf: '0000:00:00.0', type: 'host-bridge' },
        { bdf: '0000:00:01.0', type: 'root-port', secondaryBus: 1, children: [{ bdf: '0000:01:00.0', type: 'rcec' }] },
      ],
    };
    expect(() => parseTopology(below)).toThrow(/sits on the root bus/);
  });
});
