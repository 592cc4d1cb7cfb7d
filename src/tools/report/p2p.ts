/**
 * The peer-to-peer requests that got past the IOMMU, with the way they went: the fabric's
 * P2P events (a peer's BAR claimed the request below the root complex), each with its route
 * through the PCI tree (requester, the ports it climbed, the ports it went down through, the
 * function that claimed it) and the port whose ACS control would have sent it upstream to
 * the IOMMU instead.
 *
 * The route is the fabric's own routing (route.ts) of the event's request, which is a pure
 * function of the topology and the request; if it no longer ends at the event's target (the
 * topology changed since), only the two ends are given. Pure: it never changes the host.
 */
import type { Host } from '../../host/host.js';
import type { FabricEvent } from '../../hardware/fabric/fabric.js';
import type { PciFunction } from '../../hardware/topology/model.js';
import { upstreamBridge } from '../../hardware/groups/acs.js';

export interface P2pSnap {
  readonly time: bigint;
  readonly source: string;
  readonly target: string;
  readonly access: 'read' | 'write';
  readonly bytes: number;
  readonly addr: bigint;
  /** How the peer came to claim it (route.ts PeerVia). */
  readonly via: string;
  /** BAR index of the target that decoded it, when known. */
  readonly bar: number | null;
  /** Full bdfs: the requester, the ports it climbed, the ports it went down, the function that claimed it. */
  readonly path: readonly string[];
  /** Where ACS would have redirected it upstream, and with which control; null when nothing could (conventional PCI). */
  readonly redirect: { readonly at: string; readonly control: 'RR' | 'UF' } | null;
}

/** `climbed`: the fabric's route (requester, the ports climbed, the claimer). */
function redirectOf(via: string, climbed: readonly string[]): P2pSnap['redirect'] {
  if (via === 'conventional-bus') return null;
  // inside a multifunction device the function's own ACS decides; else the last port climbed
  const at = via === 'internal' ? climbed[0] : climbed[climbed.length - 2];
  return at === undefined ? null : { at, control: via === 'reflected' ? 'UF' : 'RR' };
}

const ancestors = (f: PciFunction): PciFunction[] => {
  const out: PciFunction[] = [];
  for (let p = upstreamBridge(f); p !== null; p = upstreamBridge(p)) out.push(p);
  return out;
};

/** The bridges between the bus where the request turned and `target` (top first). */
function wayDown(host: Host, climbed: readonly string[], target: PciFunction): string[] {
  const last = climbed[climbed.length - 2];
  const lastFn = last === undefined ? undefined : host.topology.byBdf(last);
  const above = new Set([...climbed, ...(lastFn === undefined ? [] : ancestors(lastFn).map((f) => f.bdf))]);
  const down: string[] = [];
  for (const p of ancestors(target)) {
    if (above.has(p.bdf)) break;
    down.unshift(p.bdf);
  }
  return down;
}

function snap(host: Host, e: FabricEvent): P2pSnap {
  const src = host.topology.byBdf(e.source) ?? host.machine.addedFunctions().find((f) => f.bdf === e.source);
  const r = src === undefined ? null : host.machine.fabric.route(src, e.addr, e.rid);
  const routed = r !== null && r.kind === 'peer' && r.target.bdf === e.target ? r : null;
  // the fabric's route lists the ports climbed; add the ports the request went down through
  const path = routed === null ? [e.source, e.target] : [...routed.path.slice(0, -1), ...wayDown(host, routed.path, routed.target), e.target];
  return {
    time: e.time, source: e.source, target: e.target, access: e.access, bytes: e.bytes, addr: e.addr, via: e.via,
    bar: routed?.bar ?? null, path, redirect: redirectOf(e.via, routed?.path ?? [e.source, e.target]),
  };
}

/** Every P2P request the IOMMU never saw, oldest first. */
export function p2pEscapes(host: Host): P2pSnap[] {
  return host.machine.fabric.eventLog().filter((e) => e.kind === 'p2p').map((e) => snap(host, e));
}

const short = (b: string): string => (b.startsWith('0000:') ? b.slice(5) : b);

const VIA: Record<string, string> = {
  switch: 'routed between two ports of a switch',
  'root-port': 'routed between two root ports',
  reflected: 'turned back down by the port it entered',
  internal: 'delivered inside the device',
  'conventional-bus': 'seen by every agent on a conventional PCI bus',
};

/** One line for the picture's red box: what went where, by which way, and what would have stopped it. */
export function p2pText(p: P2pSnap): string {
  const bar = p.bar === null ? '' : ` BAR${p.bar}`;
  const stop = p.redirect === null ? 'no ACS on a conventional bus can stop it' : `ACS ${p.redirect.control} at ${short(p.redirect.at)} would have sent it up to the IOMMU`;
  return `P2P ${p.access} of ${p.bytes} bytes at 0x${p.addr.toString(16)} reached ${short(p.target)}${bar}, ${VIA[p.via] ?? p.via} (${p.path.map(short).join(' → ')}): the IOMMU never saw it; ${stop}`;
}
