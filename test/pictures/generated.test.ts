import { describe, expect, it } from 'vitest';
import { Host } from '../../src/host/host.js';
import { runCli } from '../../src/tools/cli/cli.js';
import { drawMachine } from '../../src/tools/pictures/index.js';
import { hostState } from '../../src/tools/report/state.js';
import { recordingIo } from '../scenarios/helpers.js';

describe('generated files are current', () => {
  it('fixtures/schema holds the JSON Schemas of the zod schemas (npm run schema)', () => {
    const io = recordingIo();
    const code = runCli(['schema', '--out-dir', 'fixtures/schema', '--check'], io);
    expect(io.errText()).toBe('');
    expect(code).toBe(0);
  });

  it('docs/pictures holds the picture of every bundled scenario (npm run docs:pictures)', () => {
    const io = recordingIo();
    const code = runCli(['pictures', '--out-dir', 'docs/pictures', '--check'], io);
    expect(io.errText()).toBe('');
    expect(code).toBe(0);
  });

  it('--check notices a stale file', () => {
    const io = recordingIo();
    io.writes.set('fixtures/schema/scenario.schema.json', '{}');
    expect(runCli(['schema', '--out-dir', 'fixtures/schema', '--check'], io)).toBe(1);
    expect(io.errText()).toContain('fixtures/schema/scenario.schema.json');
  });
});

describe('machine picture', () => {
  it('is deterministic and shows groups, ACS and viability', () => {
    const a = drawMachine(hostState(new Host()));
    expect(drawMachine(hostState(new Host()))).toBe(a);
    expect(a).toContain('group 17');
    expect(a).toContain('group 10 · not viable');
    expect(a).toContain('ACS SV RR CR UF');
    expect(a).toContain('no ACS');
    expect(a).toContain('none yet: a group joins a container');
    expect(a.match(/<svg/g)?.length).toBe(1);
    expect(a.trimEnd().endsWith('</svg>')).toBe(true);
  });
});
