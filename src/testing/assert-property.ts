/**
 * fc.assert, with the whole story in the error MESSAGE: common runners (vitest, node:test)
 * print the message but not `error.cause`, where fast-check keeps the reason. The message
 * names the failure (for guardedStep: the step and each fact that changed), the shrunk
 * counterexample, and the seed and path that replay exactly this case.
 */
import fc from 'fast-check';

export function assertProperty<Ts>(property: fc.IProperty<Ts>, params: fc.Parameters<Ts> = {}): void {
  const r = fc.check(property, params);
  if (!r.failed) return;
  const err = r.errorInstance;
  const why = err instanceof Error ? err.message : String(err);
  const replay = `{ seed: ${r.seed}, path: ${JSON.stringify(r.counterexamplePath)} }`;
  const message = [
    `Property failed after ${r.numRuns} run(s), shrunk ${r.numShrinks} time(s).`,
    `Failure: ${why}`,
    `Counterexample: ${fc.stringify(r.counterexample)}`,
    `Replay: assertProperty(property, ${replay}) (or fc.assert with the same seed and path)`,
  ].join('\n');
  throw new Error(message, { cause: err });
}
