/**
 * Every picture the project draws is readable: no two labels cover each other, no text
 * runs off the canvas or out of its box, none is cut short. Pictures: every bundled
 * topology at boot, every bundled scenario after each of its steps (the playground shows
 * each), and the files in docs/pictures.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Host } from '../../src/host/host.js';
import { parseTopology } from '../../src/index.js';
import { ScenarioRun, parseScenario } from '../../src/scenarios/index.js';
import { drawMachine } from '../../src/tools/pictures/index.js';
import { hostState } from '../../src/tools/report/state.js';
import { loaderFor, readJsonFile } from '../scenarios/helpers.js';
import { textBoxes, textProblems } from './text-boxes.js';

const TOPOLOGIES = readdirSync('fixtures/topologies').filter((f) => f.endsWith('.json')).sort();
const SCENARIOS = [
  ...readdirSync('fixtures/scenarios').filter((f) => f.endsWith('.json')).map((f) => join('fixtures/scenarios', f)),
  ...readdirSync('fixtures/scenarios/threats').filter((f) => f.endsWith('.json')).map((f) => join('fixtures/scenarios/threats', f)),
].sort();
const DOCS = readdirSync('docs/pictures').filter((f) => f.endsWith('.svg')).sort();

describe('the text-box check itself', () => {
  const svg = (body: string): string => `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100" font-size="12">${body}</svg>`;
  it('sees two labels at one place, text off the canvas, an ellipsis and text leaving its box', () => {
    expect(textProblems(svg('<text x="10" y="20">0x0</text><text x="14" y="22">→ 0x0</text>'))).toEqual([expect.stringMatching(/^overlap: "0x0".*"→ 0x0"/)]);
    expect(textProblems(svg('<text x="190" y="20">wide</text>'))).toEqual([expect.stringMatching(/^off the 200×100 canvas/)]);
    expect(textProblems(svg('<text x="10" y="20">ESCAPE 03:00.0: P2P wr…</text>'))).toEqual([expect.stringMatching(/^cut short/)]);
    expect(textProblems(svg('<rect x="5" y="5" width="40" height="30"/><text x="10" y="20">longer than its box</text>'))).toEqual([expect.stringMatching(/^runs out of its box/)]);
    expect(textProblems(svg('<text x="10" y="20">a</text><text x="10" y="40">b</text><text x="190" y="60" text-anchor="end">c</text>'))).toEqual([]);
  });
  it('measures with the font table (bold wider, size scales)', () => {
    const [a, b, c] = textBoxes(svg('<text x="0" y="20">group 17</text><text x="0" y="40" font-weight="bold">group 17</text><text x="0" y="60" font-size="24">group 17</text>'));
    expect(b!.right).toBeGreaterThan(a!.right);
    expect(c!.right).toBeCloseTo(2 * a!.right, 5);
  });
});

describe('every picture is readable', () => {
  it.each(TOPOLOGIES)('topology %s at boot', (f) => {
    const svg = drawMachine(hostState(new Host(parseTopology(readJsonFile(join('fixtures/topologies', f))))), { subtitle: 'at boot' });
    expect(textProblems(svg)).toEqual([]);
  });

  it.each(SCENARIOS)('scenario %s after every step', (file) => {
    const run = new ScenarioRun(parseScenario(readJsonFile(file)), { loadTopology: loaderFor(file) });
    const total = run.scenario.steps.length;
    const problems: string[] = [];
    for (let k = 0; k <= total; k++) {
      if (k > 0) run.step();
      const svg = drawMachine(hostState(run.host), { subtitle: `scenario ${run.scenario.name}, after step ${k} of ${total}` });
      problems.push(...textProblems(svg).map((p) => `step ${k}: ${p}`));
    }
    expect(problems).toEqual([]);
  });

  it.each(DOCS)('docs/pictures/%s', (f) => {
    expect(textProblems(readFileSync(join('docs/pictures', f), 'utf8'))).toEqual([]);
  });
});
