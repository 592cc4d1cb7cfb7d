import { describe, expect, it } from 'vitest';
import { Host, uapi } from '../../src/index.js';
import { anonBuffer } from '../support/vfio.js';
import { openFile } from '../support/kernel-state.js';

/** The same inputs twice must give byte-identical traces and results. */
function session(): { trace: string; results: unknown[] } {
  const host = new Host(undefined, { seed: 7 });
  const sh = host.spawn();
  const results: unknown[] = [];
  host.bind('0000:06:00.0', 'vfio-pci');
  host.bind('0000:0a:00.0', 'vfio-pci');
  results.push(sh.readdir('/dev/vfio/devices'));
  const buf = anonBuffer(sh, 1n << 21n);
  sh.write32(buf + 64n, 0x1234);
  const efd = sh.eventfd(0, 0);
  const file = openFile(sh, efd)!;
  host.clock.after(50n, 'a', () => (file.priv as { signal(): void }).signal());
  host.clock.after(50n, 'b', () => (file.priv as { signal(): void }).signal());
  results.push([...sh.read(efd, 8)]);
  results.push(host.clock.now(), buf);
  try {
    sh.close(99);
  } catch (e) {
    results.push((e as Error).message);
  }
  return { trace: host.trace.toString(), results };
}

describe('determinism', () => {
  it('gives byte-identical traces and results for the same inputs', () => {
    const a = session();
    const b = session();
    expect(a.trace.length).toBeGreaterThan(0);
    expect(b.trace).toBe(a.trace);
    expect(b.results).toEqual(a.results);
  });

  it('never reads the wall clock or Math.random inside src/', async () => {
    const { readdirSync, readFileSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.includes('/tools/cli/')) {
          const text = readFileSync(p, 'utf8');
          if (/\bDate\.now\(|new Date\(|Math\.random\(|performance\.now\(|setTimeout\(|setInterval\(/.test(text)) offenders.push(p);
        }
      }
    };
    walk('src');
    expect(offenders).toEqual([]);
  });
});
