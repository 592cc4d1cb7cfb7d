// Types of tap.mjs, for the test that pins its judgement (test/kselftest/tap.test.ts).
export interface TapResult { outcome: string; why: string }
export function parseTap(stdout: string): { planned: number | null; results: Map<string, TapResult> };
export interface PlanEntry {
  skips?: Record<string, string>;
  mustPrint?: { text: string; count: number; why: string }[];
}
export interface Run { status: number | null; signal: string | null; stdout: string }
export function judge(
  entry: PlanEntry,
  binarySkip: string | null,
  run: Run,
): { ok: boolean; problems: string[]; counts: { pass: number; fail: number; skip: number }; wholeSkip: boolean };
