/**
 * A scenario as a timeline the playground can move along in both directions. Going forward
 * runs the next step; going back replays the scenario from the start to the step before
 * (the run is deterministic, so the replay is the same machine the user saw then).
 */
import { ScenarioRun, type RunOptions, type Scenario } from '../../src/scenarios/index.js';
import type { TraceEntry } from '../../src/base/trace.js';

/** A fresh run of `scenario` with its first `n` steps done. */
export function runTo(scenario: Scenario, n: number, opts: RunOptions = {}): ScenarioRun {
  const run = new ScenarioRun(scenario, opts);
  run.runAll(Math.max(0, Math.min(n, scenario.steps.length)));
  return run;
}

/** The run moved to position `n`: stepped forward when it can be, replayed when going back. */
export function moveTo(run: ScenarioRun, n: number, opts: RunOptions = {}): ScenarioRun {
  const target = Math.max(0, Math.min(n, run.scenario.steps.length));
  if (target < run.position) return runTo(run.scenario, target, opts);
  run.runAll(target);
  return run;
}

/** Which step a runner note opens ("step 3: ..." and "step 3 FAILED: ..." both belong to 3). */
export function noteStep(e: TraceEntry): number | undefined {
  if (e.kind !== 'note' || e.who !== 'scenario') return undefined;
  const m = /^step (\d+)[: ]/.exec(e.text);
  return m === null ? undefined : Number(m[1]);
}

/**
 * The trace entries step `index` wrote: from its opening note to the next step's note.
 * The opening note itself is left out (the details show the step's label already).
 */
export function stepEntries(entries: readonly TraceEntry[], index: number): TraceEntry[] {
  const out: TraceEntry[] = [];
  let inside = false;
  for (const e of entries) {
    const s = noteStep(e);
    if (s !== undefined && s !== index) {
      if (inside) break;
      continue;
    }
    if (s === index && !inside) {
      inside = true;
      continue;
    }
    if (inside) out.push(e);
  }
  return out;
}
