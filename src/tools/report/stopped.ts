/**
 * The requests ACS stopped, for the pictures: what a hostile device tried and which port (or
 * function) turned it away — dropped by ACS Source Validation or Translation Blocking (the
 * fabric's acs-violation events), or sent up to the IOMMU by Request Redirect instead of
 * reaching the peer whose BAR it aimed at (an IOMMU fault at an address a peer's BAR decodes,
 * whose route passes a port with RR enabled).
 *
 * Routes are the fabric's own (route.ts), a pure function of topology and request.
 * Pure: it never changes the host.
 */
import type { Host } from '../../host/host.js';
import type { FaultRecord } from '../../hardware/iommu/faults.js';
import type { PciFunction } from '../../hardware/topology/model.js';
import { acsControls, barDecoding } from '../../hardware/fabric/route.js';
import { PCI_ACS } from '../../hardware/topology/pci-consts.js';

export interface StopSnap {
  readonly time: bigint;
  readonly source: string;
  /** The port (or function) whose ACS stopped or redirected it. */
  readonly at: string;
  /** Redirected up to the IOMMU (true), or dropped at `at` (false). */
  readonly upToIommu: boolean;
  readonly text: string;
}

const short = (b: string): string => (b.startsWith('0000:') ? b.slice(5) : b);
const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

function functionOf(host: Host, bdf: string): PciFunction | undefined {
  return host.topology.byBdf(bdf) ?? host.machine.addedFunctions().find((f) => f.bdf === bdf);
}

/** A fault at an address a peer's BAR decodes, that a port's ACS RR sent up to the IOMMU. */
function redirected(host: Host, f: FaultRecord): StopSnap | null {
  if (f.at !== undefined && f.at !== 'untranslated') return null;
  const src = functionOf(host, f.source);
  if (src === undefined) return null;
  const all = [...host.topology.functions, ...host.machine.addedFunctions()];
  const peer = all.find((p) => p !== src && barDecoding(p, f.iova) !== undefined);
  if (peer === undefined) return null;
  const route = host.machine.fabric.route(src, f.iova, f.rid);
  if (route.kind !== 'root-complex') return null;
  const port = route.path.slice(1).map((b) => functionOf(host, b)).find((p) => p !== undefined && (acsControls(p) & PCI_ACS.RR) !== 0);
  if (port === undefined) return null;
  const bar = barDecoding(peer, f.iova)!.index;
  return {
    time: f.time, source: f.source, at: port.bdf, upToIommu: true,
    text: `${short(f.source)} ${f.access} at ${hex(f.iova)}, aimed at ${short(peer.bdf)} BAR${bar}: ACS RR at ${short(port.bdf)} sent it up to the IOMMU, which faulted it`,
  };
}

/** Everything ACS stopped so far, oldest first (one line per source, access and address). */
export function stoppedByAcs(host: Host, faults: readonly FaultRecord[]): StopSnap[] {
  const drops = host.machine.fabric.eventLog().filter((e) => e.kind === 'acs-violation').map((e): StopSnap => ({
    time: e.time, source: e.source, at: e.target, upToIommu: false,
    text: `${short(e.source)} ${e.access} at ${hex(e.addr)} with requester id 0x${e.rid.toString(16).padStart(4, '0')}: dropped by ACS ${e.via} at ${short(e.target)}${e.via === 'SV' ? ' (that id does not belong below the port: spoofed)' : ' (a translated request)'}`,
  }));
  const out: StopSnap[] = [];
  const seen = new Set<string>();
  for (const s of [...drops, ...faults.map((f) => redirected(host, f)).filter((s): s is StopSnap => s !== null)].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0))) {
    if (seen.has(s.text)) continue;
    seen.add(s.text);
    out.push(s);
  }
  return out;
}
