// The judgement `npm run test:kselftest` passes on the kernel's VFIO selftests: every test
// passes except the skips the real kernel makes on that device.
import { describe, expect, it } from 'vitest';
import { judge, parseTap } from '../../scripts/kselftest/tap.mjs';

const TAP = `TAP version 13
1..3
# Starting 3 tests from 2 test cases.
#  RUN           vfio_pci_device_test.reset ...
ok 1 vfio_pci_device_test.reset
ok 2 vfio_pci_irq_test.msix.enable_trigger_disable # SKIP MSI-x: not supported
not ok 3 vfio_pci_irq_test.msi.enable_trigger_disable
# FAILED: 1 / 3 tests passed.
# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:0
`;
const MSIX = 'vfio_pci_irq_test.msix.enable_trigger_disable';

describe('kselftest TAP judgement', () => {
  it('reads the plan and each outcome with its skip reason', () => {
    const { planned, results } = parseTap(TAP);
    expect(planned).toBe(3);
    expect(results.get('vfio_pci_device_test.reset')).toEqual({ outcome: 'pass', why: '' });
    expect(results.get(MSIX)).toEqual({ outcome: 'skip', why: 'MSI-x: not supported' });
    expect(results.get('vfio_pci_irq_test.msi.enable_trigger_disable')?.outcome).toBe('fail');
  });

  it('accepts only the listed skips, and only when everything else passed', () => {
    const good = TAP.replace(/^not ok 3/m, 'ok 3');
    expect(judge({ skips: { [MSIX]: 'no MSI-X' } }, null, { status: 0, signal: null, stdout: good }).ok).toBe(true);
    const unlisted = judge({}, null, { status: 0, signal: null, stdout: good });
    expect(unlisted.ok).toBe(false);
    expect(unlisted.problems).toEqual([`${MSIX}: skip (MSI-x: not supported)`]);
    const failed = judge({ skips: { [MSIX]: 'no MSI-X' } }, null, { status: 1, signal: null, stdout: TAP });
    expect(failed.problems).toEqual(['exit status 1 (0 expected)', 'vfio_pci_irq_test.msi.enable_trigger_disable: fail']);
    expect(failed.counts).toEqual({ pass: 1, fail: 1, skip: 1 });
  });

  it('refuses a pass where the real kernel skips, a stale skip, a short run and a crash', () => {
    const skips = { 'vfio_pci_device_test.reset': 'no reset', 'gone.test': 'x' };
    const good = TAP.replace(/^not ok 3/m, 'ok 3');
    const r = judge({ skips }, null, { status: 0, signal: null, stdout: good });
    expect(r.problems).toEqual([
      'vfio_pci_device_test.reset: pass, but the real kernel skips it here (no reset)',
      `${MSIX}: skip (MSI-x: not supported)`,
      'expected skip gone.test is not a test of this binary (stale plan?)',
    ]);
    const short = judge({}, null, { status: 0, signal: null, stdout: 'TAP version 13\n1..2\nok 1 a.b\n' });
    expect(short.problems).toEqual(['planned 2 tests, reported 1']);
    expect(judge({}, null, { status: null, signal: 'SIGSEGV', stdout: '' }).problems).toContain('killed by SIGSEGV');
  });

  it('a check that passes silently when it cannot run must show that it ran', () => {
    const good = TAP.replace(/^not ok 3/m, 'ok 3').replace('ok 1', 'Found IOMMU mappings for IOVA 0x1000:\nok 1');
    const entry = { skips: { [MSIX]: 'x' }, mustPrint: [{ text: 'Found IOMMU mappings', count: 1, why: 'debugfs' }] };
    expect(judge(entry, null, { status: 0, signal: null, stdout: good }).ok).toBe(true);
    const silent = judge(entry, null, { status: 0, signal: null, stdout: TAP.replace(/^not ok 3/m, 'ok 3') });
    expect(silent.problems).toEqual(['printed "Found IOMMU mappings" 0 times, 1 expected (debugfs)']);
  });

  it('a whole-binary skip must be exit 4 (KSFT_SKIP), nothing else', () => {
    expect(judge({}, 'no driver', { status: 4, signal: null, stdout: '' })).toMatchObject({ ok: true, wholeSkip: true });
    expect(judge({}, 'no driver', { status: 0, signal: null, stdout: 'TAP version 13\n1..1\nok 1 a.b\n' }).ok).toBe(false);
  });
});
