/**
 * The threat catalogue's reference topology SW2 (spec topology-groups-iommu.md §4.2), as a
 * function of the knobs the scenarios turn: which ACS controls the switch's downstream
 * ports have enabled, interrupt remapping, IOTLB invalidation, ATS, grouping.
 *
 *   00:01.0 RP (ACS SV RR CR UF)
 *    └ 01:00.0 USP                 BAR0 0xE020_0000 (16 KiB)
 *       ├ 02:00.0 DSP ── 03:00.0 A  hostile, BAR0 0xE000_0000 (16 KiB)
 *       └ 02:01.0 DSP ── 04:00.0 B  edu,     BAR0 0xE010_0000 (1 MiB)
 */
export type AcsCtl = 'SV' | 'TB' | 'RR' | 'CR' | 'UF' | 'DT';

export interface Sw2Options {
  /** ACS controls enabled on both downstream ports (default SV RR CR UF). */
  readonly dspAcs?: readonly AcsCtl[];
  /** ACS capabilities the downstream ports advertise (default: dspAcs plus SV RR CR UF). */
  readonly dspAcsCap?: readonly AcsCtl[];
  /** A's kernel-side opinion (pcie_acs_override-like quirk on both DSPs). */
  readonly acsQuirk?: 'isolated' | 'not-isolated';
  readonly grouping?: 'classic' | 'bus-isolation';
  readonly interruptRemapping?: boolean;
  readonly invalidation?: 'strict' | 'lazy';
  readonly atsCapable?: boolean;
  readonly untrusted?: boolean;
  /** B's host driver at boot (default none). */
  readonly driverB?: string | null;
  /** A's model (default 'hostile'). */
  readonly modelA?: string;
  readonly params?: Readonly<Record<string, boolean | number>>;
}

/** The SW2 topology JSON for `o`. */
export function sw2Topology(o: Sw2Options = {}): Record<string, unknown> {
  const ctrl = o.dspAcs ?? ['SV', 'RR', 'CR', 'UF'];
  const cap = [...new Set([...(o.dspAcsCap ?? []), ...ctrl, 'SV', 'RR', 'CR', 'UF'])];
  const dsp = (bdf: string, child: Record<string, unknown>): Record<string, unknown> => ({
    bdf, type: 'switch-downstream', acs: cap, acsCtrl: [...ctrl],
    ...(o.acsQuirk === undefined ? {} : { acsQuirk: o.acsQuirk }), children: [child],
  });
  const a = {
    bdf: '0000:03:00.0', type: 'endpoint', model: o.modelA ?? 'hostile', driver: null,
    bars: [{ index: 0, size: '0x4000', address: '0xe0000000' }],
    ...(o.atsCapable ? { atsCapable: true } : {}), ...(o.untrusted ? { untrusted: true } : {}),
  };
  const b = { bdf: '0000:04:00.0', type: 'endpoint', model: 'edu', driver: o.driverB ?? null, bars: [{ index: 0, size: '0x100000', address: '0xe0100000' }] };
  return {
    name: 'threats-sw2',
    ramBytes: '0x100000000',
    iommu: {
      addressWidth: 48, platform: 'intel', interruptRemapping: o.interruptRemapping ?? true, invalidation: o.invalidation ?? 'strict',
    },
    kernel: { grouping: o.grouping ?? 'classic', params: { ...(o.params ?? {}) } },
    pci: [
      { bdf: '0000:00:00.0', type: 'host-bridge' },
      {
        bdf: '0000:00:01.0', type: 'root-port', acs: ['SV', 'RR', 'CR', 'UF'],
        children: [{
          bdf: '0000:01:00.0', type: 'switch-upstream', bars: [{ index: 0, size: '0x4000', address: '0xe0200000' }],
          children: [dsp('0000:02:00.0', a), dsp('0000:02:01.0', b)],
        }],
      },
    ],
  };
}

export const SW2 = { A: '0000:03:00.0', B: '0000:04:00.0', DSP_A: '0000:02:00.0', DSP_B: '0000:02:01.0', USP: '0000:01:00.0' } as const;
