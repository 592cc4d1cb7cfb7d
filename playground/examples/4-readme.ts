// The README's first example, in TypeScript: the playground erases the types (with the
// TypeScript compiler) and runs the rest. A failed call throws a SystemError shaped like
// Node's: code, negative errno, and the kernel check that refused it in info.why.
import { Host, SystemError, uapi, type Process } from 'vfio-sim';

const host: Host = new Host(topology);
const sh: Process = host.spawn();

const bdf: string = '0000:06:00.0';
sh.writeFile(`/sys/bus/pci/devices/${bdf}/driver_override`, 'vfio-pci');
sh.writeFile('/sys/bus/pci/drivers/vfio-pci/bind', bdf);

const group = sh.readlink(`/sys/bus/pci/devices/${bdf}/iommu_group`).split('/').pop() as string;
console.log(sh.readdir(`/sys/kernel/iommu_groups/${group}/devices`));
console.log(sh.readdir('/dev/vfio'));

const container: number = sh.open('/dev/vfio/vfio', uapi.O_RDWR);
console.log(sh.ioctl(container, uapi.VFIO_GET_API_VERSION));

try {
  sh.ioctl(container, uapi.VFIO_SET_IOMMU, uapi.VFIO_TYPE1v2_IOMMU);  // no group attached yet
} catch (e: unknown) {
  if (!(e instanceof SystemError)) throw e;
  console.log(e.code, e.errno, e.info?.why);
}
