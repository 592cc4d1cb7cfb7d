/**
 * Interrupts delivered per second, MSI-X → eventfd, end to end: a CPU store to a doorbell
 * in the device's mmap'd BAR makes the device send MSI-X vector 0, which goes as a write to
 * the interrupt window through the IOMMU, interrupt remapping, vfio-pci's host IRQ and the
 * eventfd bound by VFIO_DEVICE_SET_IRQS. A batch of n doorbells ends with one read of the
 * eventfd, which must return n (every interrupt arrived). Baseline: the same eventfd
 * signalled by n write(2) calls and read once.
 *
 * The device is a user model (the documented extension point: a PciDeviceModel subclass
 * installed over a `nic` function, which supplies the MSI-X capability and BAR layout).
 */
import { Host, type Process } from '../../src/index.js';
import * as uapi from '../../src/uapi/index.js';
import { PciDeviceModel, type AccessSize } from '../../src/hardware/devices/index.js';
import { figure, pending, timeInterleaved, type Stats, type BenchCase, type BenchContext, type Figure } from '../harness.js';

const BDF = '0000:01:00.0';

/** Register 0 of BAR0 is a doorbell: writing v sends MSI/MSI-X vector v. */
class DoorbellModel extends PciDeviceModel {
  protected mmioRead(): bigint {
    return 0n;
  }
  protected mmioWrite(bar: number, off: number, _size: AccessSize, value: bigint): void {
    if (bar === 0 && off === 0) this.sendMsi(Number(value));
  }
  protected onReset(): void {}
}

interface Rig {
  readonly host: Host;
  readonly p: Process;
  readonly efd: number;
  readonly bar: bigint;
}

function open(): Rig {
  const host = new Host({
    name: 'bench-irq',
    ramBytes: '0x40000000',
    iommu: { addressWidth: 48, pageSizes: ['4K', '2M', '1G'], interruptRemapping: true, invalidation: 'strict', platform: 'intel' },
    pci: [
      { bdf: '0000:00:00.0', type: 'host-bridge' },
      { bdf: '0000:00:01.0', type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'], children: [{ bdf: BDF, type: 'endpoint', model: 'nic', driver: null }] },
    ],
  });
  host.setDeviceModel(BDF, (fn, ctx) => new DoorbellModel(fn, ctx));
  host.bind(BDF, 'vfio-pci');
  const p = host.spawn();
  const groupId = p.readlink(`/sys/bus/pci/devices/${BDF}/iommu_group`).split('/').pop()!;
  const container = p.open('/dev/vfio/vfio');
  const group = p.open(`/dev/vfio/${groupId}`);
  p.ioctl(group, uapi.VFIO_GROUP_SET_CONTAINER, container);
  p.ioctl(container, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU);
  const device = p.ioctl(group, uapi.VFIO_GROUP_GET_DEVICE_FD, BDF);
  const cfg = BigInt(uapi.VFIO_PCI_CONFIG_REGION_INDEX) << 40n;
  const cmd = p.pread(device, 2, cfg + BigInt(uapi.PCI_COMMAND));
  const v = (cmd[0]! | (cmd[1]! << 8)) | uapi.PCI_COMMAND_MEMORY | uapi.PCI_COMMAND_MASTER;
  p.pwrite(device, Uint8Array.of(v & 0xff, v >> 8), cfg + BigInt(uapi.PCI_COMMAND));
  const efd = p.eventfd(0, uapi.EFD_NONBLOCK);
  const flags = uapi.VFIO_IRQ_SET_DATA_EVENTFD | uapi.VFIO_IRQ_SET_ACTION_TRIGGER;
  p.ioctl(device, uapi.VFIO_DEVICE_SET_IRQS, { argsz: 24, flags, index: uapi.VFIO_PCI_MSIX_IRQ_INDEX, start: 0, count: 1, data: [efd] });
  const bar = p.mmap(0n, 0x1000n, uapi.PROT_READ | uapi.PROT_WRITE, uapi.MAP_SHARED, device, BigInt(uapi.VFIO_PCI_BAR0_REGION_INDEX) << 40n);
  return { host, p, efd, bar };
}

function counter(p: Process, efd: number): bigint {
  return new DataView(p.read(efd, 8).buffer).getBigUint64(0, true);
}

export const interruptsCase: BenchCase = {
  name: 'interrupts',
  about: 'MSI-X interrupts delivered to an eventfd per second (doorbell store → MSI-X → IOMMU IR → eventfd)',
  run(ctx: BenchContext): Figure[] {
    let r: Rig;
    try {
      r = open();
    } catch (e) {
      return [pending('irq.msix.eventfd', 'MSI-X → eventfd deliveries', 'irq/s', e instanceof Error ? `${e.name}: ${e.message}` : String(e))];
    }
    const { host, p, efd, bar } = r;
    const one = Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0);
    const [irq, sys] = timeInterleaved(ctx, [
      (n) => {
        for (let i = 0; i < n; i++) p.write32(bar, 0);
        host.run();
        if (counter(p, efd) !== BigInt(n)) throw new Error('bench: an MSI-X interrupt was lost');
      },
      (n) => {
        for (let i = 0; i < n; i++) p.write(efd, one);
        if (counter(p, efd) !== BigInt(n)) throw new Error('bench: an eventfd signal was lost');
      },
    ]) as [Stats, Stats];
    return [
      figure({
        id: 'irq.msix.eventfd',
        label: 'MSI-X → eventfd deliveries (doorbell store each)',
        value: 1e9 / irq.nsPerOp,
        unit: 'irq/s',
        baseline: { label: 'eventfd write(2)', value: 1e9 / sys.nsPerOp, unit: 'ops/s' },
        ratio: irq.nsPerOp / sys.nsPerOp,
        ratioUnit: 'x eventfd write cost',
        note: `${(irq.nsPerOp / 1000).toFixed(2)} µs per interrupt incl. the MMIO store`,
      }),
    ];
  },
};
