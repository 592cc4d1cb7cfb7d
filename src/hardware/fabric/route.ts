/**
 * Peer-to-peer routing in the PCIe fabric (spec topology-groups-iommu.md §3.7): where a
 * memory request a device emits goes *before* any IOMMU sees it.
 *
 * A request climbs from its originator towards the root complex. On the way:
 *  - a multifunction device with `internalP2P` may deliver it to a sibling function's BAR;
 *  - on a conventional PCI bus every agent sees it, and one whose BAR decodes it claims it;
 *  - at a switch downstream port or a root port (entered from below), ACS acts:
 *      SV  a requester id whose bus lies outside [secondary, subordinate] is dropped;
 *      TB  anything but an untranslated request is dropped;
 *      RR  the request goes upstream whatever its address, except a translated request
 *          when DT is also on (direct translated P2P);
 *      UF  a request for the port's own window goes upstream instead of back down;
 *    without RR a downstream port delivers a request that falls in a sibling port's window
 *    (or a BAR of the switch's ports) straight there; a root port does so only on a
 *    platform that routes root-port-to-root-port traffic (`rootPortP2P`);
 *  - a switch upstream port forwards what reaches it upstream.
 * A request that reaches the root complex goes to the IOMMU. A claimed request never
 * does: no translation, no fault — which is why groups exist.
 *
 * Only enabled ACS Control bits count (`acsCtrl`, 0 without an ACS capability). ACS
 * quirks are the kernel's *opinion* and do not change the hardware's routing (threat T9).
 *
 * Invariant: `routeRequest` is a pure function of the topology and the request.
 */
import type { PciFunction, PciBus, Bar } from '../topology/model.js';
import { PCI_ACS, PCI_EXP_TYPE } from '../topology/pci-consts.js';
import { upstreamBridge } from '../groups/acs.js';

export type AddressType = 'untranslated' | 'translated' | 'translation-request';

export interface RouteRequest {
  readonly addr: bigint;
  /** The requester id the packet carries (the originator's, or a forged one). */
  readonly rid: number;
  readonly at: AddressType;
}

export interface RouteOptions {
  /** The root complex forwards a request between root ports (default false, as many don't). */
  readonly rootPortP2P?: boolean;
}

/** How a peer came to claim the request. */
export type PeerVia = 'internal' | 'conventional-bus' | 'switch' | 'reflected' | 'root-port';

export type Route =
  | { readonly kind: 'root-complex'; readonly path: readonly string[] }
  | {
      readonly kind: 'peer'; readonly target: PciFunction; readonly bar: number; readonly offset: bigint;
      readonly via: PeerVia; readonly path: readonly string[];
    }
  | { readonly kind: 'dropped'; readonly port: PciFunction; readonly acs: 'SV' | 'TB'; readonly path: readonly string[] };

/** The enabled ACS controls of a function (0 without an ACS capability). */
export function acsControls(fn: PciFunction): number {
  return fn.acsCap === null ? 0 : fn.acsCtrl ?? 0;
}

/** The memory BAR of `fn` that decodes `addr`, if any (I/O BARs and the ROM never do). */
export function barDecoding(fn: PciFunction, addr: bigint): Bar | undefined {
  return fn.bars.find((b) => !b.io && b.index < 6 && b.size > 0n && addr >= b.address && addr < b.address + b.size);
}

function inWindow(bridge: PciFunction, addr: bigint): boolean {
  const w = bridge.windows;
  if (w === null) return false;
  for (const r of [w.mem, w.prefMem]) if (r !== null && addr >= r.start && addr <= r.end) return true;
  return false;
}

function isBelow(fn: PciFunction, bridge: PciFunction): boolean {
  for (let p = upstreamBridge(fn); p !== null; p = upstreamBridge(p)) if (p === bridge) return true;
  return false;
}

/** The function below `bridge` (or the bridge itself) whose BAR decodes `addr`. */
function descend(bridge: PciFunction, all: readonly PciFunction[], addr: bigint): { fn: PciFunction; bar: Bar } | null {
  for (const fn of all) {
    if (fn !== bridge && !isBelow(fn, bridge)) continue;
    const bar = barDecoding(fn, addr);
    if (bar !== undefined) return { fn, bar };
  }
  return null;
}

const CONVENTIONAL_BRIDGES: ReadonlySet<string> = new Set(['pcie-to-pci-bridge', 'pci-bridge']);

/** A conventional PCI bus: a shared medium where every agent sees every request. */
function isConventional(bus: PciBus): boolean {
  return bus.self !== null && CONVENTIONAL_BRIDGES.has(bus.self.type);
}

/** An agent on `bus` other than `from` claims `addr` (directly, or through a bridge's window). */
function claimOnBus(bus: PciBus, from: PciFunction, all: readonly PciFunction[], addr: bigint): { fn: PciFunction; bar: Bar } | null {
  for (const d of bus.devices) {
    if (d === from) continue;
    const bar = barDecoding(d, addr);
    if (bar !== undefined) return { fn: d, bar };
    if (d.isBridge && inWindow(d, addr)) return descend(d, all, addr);
  }
  return null;
}

/** Another function of the same multi-function device decoding `addr`. */
function claimOnSlot(src: PciFunction, addr: bigint): { fn: PciFunction; bar: Bar } | null {
  for (const d of src.parentBus.devices) {
    if (d === src || d.slot !== src.slot) continue;
    const bar = barDecoding(d, addr);
    if (bar !== undefined) return { fn: d, bar };
  }
  return null;
}

/** Which port a request entering `port` from below is decoded into, without ACS redirect. */
function siblingClaim(port: PciFunction, all: readonly PciFunction[], addr: bigint, opts: RouteOptions): { fn: PciFunction; bar: Bar } | null {
  if (port.portType === PCI_EXP_TYPE.ROOT_PORT && opts.rootPortP2P !== true) return null;
  const hit = claimOnBus(port.parentBus, port, all, addr);
  if (hit !== null) return hit;
  const usp = port.parent;
  if (usp !== null && port.portType === PCI_EXP_TYPE.DOWNSTREAM) {
    const bar = barDecoding(usp, addr);
    if (bar !== undefined) return { fn: usp, bar };
  }
  return null;
}

/** Route one TLP (it never crosses a 4 KiB boundary) from `src` through the fabric. */
export function routeRequest(all: readonly PciFunction[], src: PciFunction, req: RouteRequest, opts: RouteOptions = {}): Route {
  const path = [src.bdf];
  const peer = (hit: { fn: PciFunction; bar: Bar }, via: PeerVia): Route => ({
    kind: 'peer', target: hit.fn, bar: hit.bar.index, offset: req.addr - hit.bar.address, via, path: [...path, hit.fn.bdf],
  });
  // a translation request asks the IOMMU for a translation: it is not decoded by address
  const decodes = req.at !== 'translation-request';
  if (decodes && src.internalP2P) {
    const hit = claimOnSlot(src, req.addr);
    if (hit !== null) return peer(hit, 'internal');
  }
  if (decodes && isConventional(src.parentBus)) {
    const hit = claimOnBus(src.parentBus, src, all, req.addr);
    if (hit !== null) return peer(hit, 'conventional-bus');
  }
  for (let port = upstreamBridge(src); port !== null; port = upstreamBridge(port)) {
    path.push(port.bdf);
    const t = port.portType;
    if (t === PCI_EXP_TYPE.ROOT_PORT || t === PCI_EXP_TYPE.DOWNSTREAM) {
      const ctrl = acsControls(port);
      const bus = req.rid >> 8;
      if (ctrl & PCI_ACS.SV && (port.secondaryBus === null || bus < port.secondaryBus || bus > (port.subordinateBus ?? port.secondaryBus))) {
        return { kind: 'dropped', port, acs: 'SV', path };
      }
      if (ctrl & PCI_ACS.TB && req.at !== 'untranslated') return { kind: 'dropped', port, acs: 'TB', path };
      if (!decodes) continue;
      const redirect = (ctrl & PCI_ACS.RR) !== 0 && !(req.at === 'translated' && (ctrl & PCI_ACS.DT) !== 0);
      if (redirect) continue;
      if (inWindow(port, req.addr)) {
        if (ctrl & PCI_ACS.UF) continue;
        const hit = descend(port, all, req.addr);
        if (hit !== null) return peer(hit, 'reflected');
        continue;
      }
      const hit = siblingClaim(port, all, req.addr, opts);
      if (hit !== null) return peer(hit, t === PCI_EXP_TYPE.ROOT_PORT ? 'root-port' : 'switch');
      continue;
    }
    if (decodes && !port.parentBus.isRoot && isConventional(port.parentBus)) {
      const hit = claimOnBus(port.parentBus, port, all, req.addr);
      if (hit !== null) return peer(hit, 'conventional-bus');
    }
  }
  return { kind: 'root-complex', path };
}
