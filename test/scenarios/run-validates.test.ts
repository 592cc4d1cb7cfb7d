/**
 * The library's runScenario validates a scenario as the command line's `validate` does
 * (validateScenario), not only its shape: what validate refuses, runScenario throws as a
 * ScenarioInputError carrying the same issues, before anything runs.
 */
import { describe, expect, it } from 'vitest';
import { runScenario, ScenarioInputError, validateScenario } from '../../src/scenarios/index.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('runScenario refuses what validate refuses', () => {
  const bad = [
    ['an unknown request name', { name: 't', steps: [{ op: 'open', path: '/dev/vfio/vfio', as: 'c' }, { op: 'ioctl', fd: '$c', request: 'VFIO_NO_SUCH_REQUEST' }] }],
    ['a variable used before any step sets it', { name: 't', steps: [{ op: 'close', fd: '$never' }] }],
    ['an unknown struct field', { name: 't', steps: [{ op: 'open', path: '/dev/vfio/vfio', as: 'c' }, { op: 'ioctl', fd: '$c', request: 'VFIO_IOMMU_GET_INFO', arg: { argsz: 16, colour: 1 } }] }],
  ] as const;

  for (const [what, json] of bad) {
    it(`${what}: the shape is fine, validate refuses, runScenario throws the same issues`, () => {
      const v = validateScenario(json);
      expect(v.ok).toBe(false);
      const e = thrown(() => runScenario(json));
      expect(e).toBeInstanceOf(ScenarioInputError);
      expect((e as ScenarioInputError).issues).toEqual(v.ok ? [] : v.issues);
    });
  }

  it('a scenario validate passes still runs', () => {
    const json = { name: 't', steps: [{ op: 'open', path: '/dev/vfio/vfio', as: 'c' }, { op: 'ioctl', fd: '$c', request: 'VFIO_GET_API_VERSION', expect: { result: 0 } }] };
    expect(validateScenario(json).ok).toBe(true);
    expect(runScenario(json).ok).toBe(true);
  });
});
