/**
 * The driver core for the PCI bus (drivers/base/dd.c, bus.c and drivers/pci/pci-driver.c):
 * which driver a device is bound to and how binding changes.
 *
 * Every bind, unbind and override — from sysfs writes, `host.bind()` or boot — goes through
 * here, so the rules are checked in one place:
 * - bind: the device must exist (ENODEV), match the driver (ENODEV), be unbound (EBUSY);
 *   a DMA-API driver must be allowed to use the group's default domain (EBUSY when user
 *   space owns the group); then the driver's own probe may refuse.
 * - unbind: only from the bound driver (ENODEV); a driver may defer the removal until its
 *   users let go (vfio-pci waits for its device fds).
 */
import { fail, okVoid, type Result } from '../../base/result.js';
import type { Trace } from '../../base/trace.js';
import { driverMatches, type PciDriver, type PciId } from './driver.js';
import type { PciDev } from './pci-dev.js';

export class PciCore {
  readonly devices: PciDev[] = [];
  private readonly byBdf = new Map<string, PciDev>();
  readonly drivers = new Map<string, PciDriver>();

  constructor(private readonly trace: Trace) {}

  addDevice(dev: PciDev): void {
    this.devices.push(dev);
    this.byBdf.set(dev.bdf, dev);
  }

  /** pci_destroy_dev(): the device is gone from the bus (unbound first by the caller). */
  removeDevice(dev: PciDev): void {
    const i = this.devices.indexOf(dev);
    if (i >= 0) this.devices.splice(i, 1);
    if (this.byBdf.get(dev.bdf) === dev) this.byBdf.delete(dev.bdf);
  }

  /** bus_find_device_by_name(): sysfs_streq tolerates one trailing newline. */
  find(name: string): PciDev | undefined {
    return this.byBdf.get(name.endsWith('\n') ? name.slice(0, -1) : name);
  }

  registerDriver(drv: PciDriver): void {
    this.drivers.set(drv.name, drv);
  }

  driver(name: string): PciDriver | undefined {
    return this.drivers.get(name);
  }

  /** really_probe(): dma_configure, then the driver's probe; undo the first if the second fails. */
  probe(dev: PciDev, drv: PciDriver): Result<void> {
    if (dev.driver !== null) return fail('EBUSY', `__driver_probe_device: ${dev.bdf} is already bound to ${dev.driver.name}`);
    if (dev.unbindPending) return fail('EBUSY', `__driver_probe_device: ${dev.bdf} is still being released`);
    const group = dev.group;
    if (!drv.driverManagedDma && group !== null) {
      const r = group.useDefaultDomain();
      if (!r.ok) {
        this.trace.add('driver', dev.bdf, `${drv.name}: probe failed with ${r.code} (${r.why})`);
        return r;
      }
    }
    const p = drv.probe(dev);
    if (!p.ok) {
      if (!drv.driverManagedDma) group?.unuseDefaultDomain();
      this.trace.add('driver', dev.bdf, `${drv.name}: probe failed with ${p.code}${p.why ? ` (${p.why})` : ''}`);
      return p;
    }
    dev.driver = drv;
    this.trace.add('driver', dev.bdf, `bound to ${drv.name}`);
    return okVoid();
  }

  /** device_release_driver(); the removal may complete later (see PciDriver.remove). */
  release(dev: PciDev): void {
    const drv = dev.driver;
    if (drv === null || dev.unbindPending) return;
    const finish = (): void => {
      dev.unbindPending = false;
      dev.driver = null;
      dev.drvdata = null;
      if (!drv.driverManagedDma) dev.group?.unuseDefaultDomain();
      this.trace.add('driver', dev.bdf, `unbound from ${drv.name}`);
    };
    dev.unbindPending = true;
    if (drv.remove(dev, finish) === 'done') finish();
    else this.trace.add('driver', dev.bdf, `${drv.name}: unbind waits until user space releases the device`);
  }

  /** /sys/bus/pci/drivers/<drv>/bind (bind_store). */
  bindStore(drv: PciDriver, name: string): Result<void> {
    const dev = this.find(name);
    if (dev === undefined || !driverMatches(drv, dev)) return fail('ENODEV', `bind_store: ${name.trim()} does not match ${drv.name}`);
    return this.probe(dev, drv);
  }

  /** /sys/bus/pci/drivers/<drv>/unbind (unbind_store). */
  unbindStore(drv: PciDriver, name: string): Result<void> {
    const dev = this.find(name);
    if (dev === undefined || dev.driver !== drv) return fail('ENODEV', `unbind_store: ${name.trim()} is not bound to ${drv.name}`);
    this.release(dev);
    return okVoid();
  }

  /** device_attach() for an unbound device: the first registered driver that matches. */
  attach(dev: PciDev): Result<void> {
    if (dev.driver !== null) return okVoid();
    for (const drv of this.drivers.values()) {
      if (driverMatches(drv, dev)) {
        const r = this.probe(dev, drv);
        if (r.ok || r.code !== 'ENODEV') return r;
      }
    }
    return okVoid();
  }

  /** /sys/bus/pci/drivers_probe (drivers_probe_store). */
  driversProbeStore(name: string): Result<void> {
    const dev = this.find(name);
    if (dev === undefined) return fail('ENODEV', `drivers_probe: no device ${name.trim()}`);
    const r = this.attach(dev);
    return r.ok ? okVoid() : fail('EINVAL', `drivers_probe: ${r.why ?? r.code}`);
  }

  /**
   * driver_override_store() → driver_set_override(): the text up to the first NUL, cut at
   * the first newline; empty (or starting with a newline) clears it. Does not unbind.
   */
  overrideStore(dev: PciDev, text: string): Result<void> {
    if (text.length >= 4095) return fail('EINVAL', 'driver_set_override: too long');
    const nul = text.indexOf('\0');
    const s = nul < 0 ? text : text.slice(0, nul);
    const nl = s.indexOf('\n');
    const v = nl < 0 ? s : s.slice(0, nl);
    dev.driverOverride = v.length === 0 ? null : v;
    this.trace.add('sysfs', dev.bdf, `driver_override = ${dev.driverOverride ?? '(null)'}`);
    return okVoid();
  }

  /** new_id_store(): "vvvv dddd ..." in hex; adds a dynamic id and probes unbound matches. */
  newIdStore(drv: PciDriver, text: string): Result<void> {
    const id = parseId(text);
    if (id === null) return fail('EINVAL', 'new_id_store: expected "vendor device" in hex');
    // new_id_store(): unless all seven fields are given, a device with these ids that the
    // driver already matches (dynamic ids, then its static table) is EEXIST
    const same = (d: PciId): boolean => d.vendor === id.vendor && d.device === id.device;
    if (id.fields !== 7 && (drv.dynamicIds.some(same) || drv.ids.some(same))) return fail('EEXIST', 'new_id_store: the driver already matches this id');
    drv.dynamicIds.push({ vendor: id.vendor, device: id.device });
    for (const dev of this.devices) if (dev.driver === null && driverMatches(drv, dev)) this.probe(dev, drv);
    return okVoid();
  }

  /** remove_id_store(). */
  removeIdStore(drv: PciDriver, text: string): Result<void> {
    const id = parseId(text);
    if (id === null) return fail('EINVAL', 'remove_id_store: expected "vendor device" in hex');
    const i = drv.dynamicIds.findIndex((d) => d.vendor === id.vendor && d.device === id.device);
    if (i < 0) return fail('ENODEV', 'remove_id_store: no such dynamic id');
    drv.dynamicIds.splice(i, 1);
    return okVoid();
  }
}

/** The "%x %x %x %x %x %x %lx" fields new_id/remove_id read; `fields` counts how many parsed. */
function parseId(text: string): (PciId & { fields: number }) | null {
  const m = /^\s*([0-9a-fA-F]{1,4})\s+([0-9a-fA-F]{1,4})(\s.*)?\s*$/s.exec(text);
  if (!m) return null;
  let fields = 2;
  for (const tok of (m[3] ?? '').trim().split(/\s+/)) {
    if (fields === 7 || !/^(0x)?[0-9a-fA-F]+$/.test(tok)) break;
    fields++;
  }
  return { vendor: parseInt(m[1]!, 16), device: parseInt(m[2]!, 16), fields };
}
