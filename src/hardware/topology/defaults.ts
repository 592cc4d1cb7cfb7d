/**
 * Per-function defaults that come from the model catalog and platform (BARs,
 * capabilities, RMRR types) and those that need the finished tree (internal P2P, reset
 * methods as Linux would discover them).
 */
import type { FnDraft } from './draft.js';
import type { DeviceModelInfo } from './model-catalog.js';
import type { FunctionCapabilities, Platform, ReservedRegion, ResetMethod } from './model.js';
import type { PciNodeParsed } from './schema.js';

/** Intel marks RMRRs of USB and graphics devices relaxable (`device_rmrr_is_relaxable()`). */
function rmrrRelaxable(classCode: number, platform: Platform): boolean {
  return platform === 'intel' && ((classCode >> 16) === 0x03 || (classCode >> 8) === 0x0c03);
}

export function fillFunctionDefaults(node: PciNodeParsed, model: DeviceModelInfo | null, platform: Platform,
  conventional: boolean): Pick<FnDraft, 'barSpecs' | 'capabilities' | 'reservedRegions'> {
  const barSpecs = node.bars
    ? node.bars.map((b) => ({ ...b, address: b.address }))
    : (model?.bars ?? []).map((b) => ({ ...b, address: undefined }));
  const port = node.type === 'root-port' || node.type === 'switch-upstream' || node.type === 'switch-downstream';
  const capabilities: FunctionCapabilities = {
    msi: model?.msi ?? (port && !conventional ? { vectors: 1, is64: true, perVectorMask: false } : null),
    msix: model?.msix ?? null,
    pm: model?.pm ?? port,
    flr: !conventional && (model?.flr ?? false),
  };
  const classCode = node.class ?? model?.classCode ?? 0;
  const reservedRegions: ReservedRegion[] = (node.reservedRegions ?? []).map((r) => ({
    start: r.start, end: r.end,
    type: r.type ?? (rmrrRelaxable(classCode, platform) ? 'direct-relaxable' : 'direct'),
  }));
  return { barSpecs, capabilities, reservedRegions };
}

/**
 * Linux's reset discovery (`pci_init_reset_methods()`), for what we model: FLR when the
 * PCIe capability advertises it; PM when a PM capability resets on D3hot→D0; a secondary
 * bus reset (`pci_parent_bus_reset()`) only for a non-bridge that is alone on a non-root
 * bus with a parent bridge.
 */
export function defaultResetMethods(f: FnDraft): ResetMethod[] {
  if (f.isVf) return ['flr'];
  const out: ResetMethod[] = [];
  if (f.capabilities.flr) out.push('flr');
  if (f.capabilities.pm && !f.isBridge) out.push('pm');
  const bus = f.parentBus;
  if (!f.isBridge && !bus.isRoot && bus.self !== null && bus.devices.length === 1) out.push('bus');
  return out;
}

export function finishDefaults(f: FnDraft, node: PciNodeParsed | null): void {
  f.hasMmio = f.barSpecs.some((b) => !b.io && b.size > 0n);
  if (node === null) return;
  f.internalP2P = node.internalP2P ?? (f.multifunction && f.acsCap === null && f.quirks.acs === null);
  f.resetMethods = node.resetMethods ? [...node.resetMethods] : defaultResetMethods(f);
}
