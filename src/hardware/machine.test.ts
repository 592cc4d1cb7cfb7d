/** The Machine: built whole in its constructor, every wire explicit (issue 11). */
import { describe, expect, it } from 'vitest';
import { Machine } from './machine.js';
import { parseTopology } from './topology/parse.js';
import { defaultTopologyJson } from './default-machine.js';
import { EduModel } from './devices/edu.js';
import { InertModel } from './devices/inert.js';
import { PciDeviceModel } from './devices/model.js';
import type { AccessSize, DeviceContext } from './devices/model-types.js';
import type { PciFunction } from './topology/model.js';

const EDU = '0000:06:00.0';

/** Remembers the context it was given; draws from its rng on demand. */
class Probe extends PciDeviceModel {
  constructor(fn: PciFunction, readonly given: DeviceContext) {
    super(fn, given);
  }
  protected mmioRead(_bar: number, _off: number, _size: AccessSize): bigint {
    return BigInt(this.given.rng.nextU32());
  }
  protected mmioWrite(): void {}
  protected onReset(): void {}
  /** Drive the INTx level as a model's interrupt logic does. */
  level(asserted: boolean): void {
    this.setIntx(asserted);
  }
}

const topology = parseTopology(defaultTopologyJson);

describe('Machine', () => {
  it('gives every function of the topology its model at construction, by catalog entry or inert', () => {
    const m = new Machine(topology);
    for (const fn of topology.functions) expect(m.modelOf(fn).fn).toBe(fn);
    expect(m.model(EDU)).toBeInstanceOf(EduModel);
    expect(m.model(EDU)).toBe(m.model(EDU));
    expect(m.model('0000:00:00.0')).toBeInstanceOf(InertModel);
    expect(() => m.model('0000:ee:00.0')).toThrow(RangeError);
  });

  it('hands every model the same context: its clock, memory, IOMMU, fabric and seeded rng', () => {
    const m = new Machine(topology, { seed: 7, models: { [EDU]: (fn, ctx) => new Probe(fn, ctx) } });
    const probe = m.model(EDU) as Probe;
    expect(probe.given).toBe(m.deviceContext);
    expect(probe.given.rng).toBe(m.rng);
    expect(probe.given.fabric).toBe(m.fabric);
    expect(probe.given.iommu).toBe(m.iommu);
    expect(probe.given.clock).toBe(m.clock);
  });

  it('seeds the rng models draw from: the same seed gives the same numbers, another seed others', () => {
    const draw = (seed: number | undefined): bigint[] => {
      const m = new Machine(topology, seed === undefined ? {} : { seed });
      const p = m.setDeviceModel(EDU, (fn, ctx) => new Probe(fn, ctx));
      p.configWrite(4, 2, 0x2); // Command.MEMORY so BAR0 decodes
      return [0, 1, 2].map(() => p.barRead(0, 0, 4));
    };
    expect(draw(3)).toEqual(draw(3));
    expect(draw(undefined)).toEqual(draw(1));
    expect(draw(3)).not.toEqual(draw(4));
  });

  it('routes a message from the fabric (no IOMMU) to the handler bound in the interrupt controller', () => {
    const flat = parseTopology({ name: 'flat', iommu: null, pci: [{ bdf: '0000:00:00.0', type: 'host-bridge' }, { bdf: '0000:00:02.0', type: 'rciep', model: 'edu' }] });
    const m = new Machine(flat);
    const seen: number[] = [];
    const ran: string[] = [];
    m.interrupts.observe((msg) => seen.push(msg.vector));
    m.interrupts.bind(0x31, () => ran.push('handler'));
    const fn = flat.byBdf('0000:00:02.0')!;
    expect(m.fabric.dmaWrite(fn, fn.rid, 0xfee0_0000n, Uint8Array.of(0x31, 0, 0, 0)).ok).toBe(true);
    expect(m.fabric.dmaWrite(fn, fn.rid, 0xfee0_0000n, Uint8Array.of(0x32, 0, 0, 0)).ok).toBe(true);
    expect(seen).toEqual([0x31, 0x32]);
    expect(ran).toEqual(['handler']);
    expect(m.trace.list().map((e) => e.text)).toContain('spurious interrupt: vector 0x32 on CPU 0');
  });

  it("takes a function's INTx line to the handler the kernel requested for it, and nowhere once freed", () => {
    const m = new Machine(topology, { models: { [EDU]: (fn, ctx) => new Probe(fn, ctx) } });
    const probe = m.model(EDU) as Probe;
    const got: boolean[] = [];
    m.interrupts.requestLine(EDU, (asserted) => got.push(asserted));
    probe.level(true);
    probe.level(false);
    m.interrupts.freeLine(EDU);
    probe.level(true);
    expect(got).toEqual([true, false]);
    expect(probe.intxLine).toBe(true);
  });

  it('sends a translated access a BAR decodes to that device (the IOMMU → fabric wire)', () => {
    const m = new Machine(topology);
    const edu = topology.byBdf(EDU)!;
    const bar0 = edu.bars.find((b) => b.index === 0)!;
    const model = m.model(EDU);
    model.configWrite(4, 2, 0x2);
    const buf = Uint8Array.of(0x78, 0x56, 0x34, 0x12);
    // an identity (passthrough) domain: the bus address is the physical address of EDU's BAR0
    m.iommu!.attach(edu.rid, m.iommu!.allocDomain('identity'));
    expect(m.fabric.dmaWrite(edu, edu.rid, bar0.address + 4n, buf).ok).toBe(true);
    expect(model.barRead(0, 4, 4)).toBe(BigInt(~0x1234_5678 >>> 0));
  });
});
