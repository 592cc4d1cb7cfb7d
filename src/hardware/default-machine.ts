/**
 * The bundled machines as plain JSON, by name: every file of fixtures/topologies. `default`
 * (the workstation) is what `new Host()` boots with no argument; `server` is the Skylake-SP
 * with CBDMA; `example-N` and `threats-*` are the machines of the grouping examples and the
 * threat scenarios. `vfio-sim machine NAME` and `loadTopology(NAME)` take these names, so
 * they work from an installed package (no repository paths).
 */
import json from '../../fixtures/topologies/default.json' with { type: 'json' };
import example1 from '../../fixtures/topologies/example-1.json' with { type: 'json' };
import example10 from '../../fixtures/topologies/example-10.json' with { type: 'json' };
import example1q from '../../fixtures/topologies/example-1q.json' with { type: 'json' };
import example2 from '../../fixtures/topologies/example-2.json' with { type: 'json' };
import example2b from '../../fixtures/topologies/example-2b.json' with { type: 'json' };
import example3 from '../../fixtures/topologies/example-3.json' with { type: 'json' };
import example4 from '../../fixtures/topologies/example-4.json' with { type: 'json' };
import example4a from '../../fixtures/topologies/example-4a.json' with { type: 'json' };
import example4b from '../../fixtures/topologies/example-4b.json' with { type: 'json' };
import example5 from '../../fixtures/topologies/example-5.json' with { type: 'json' };
import example6 from '../../fixtures/topologies/example-6.json' with { type: 'json' };
import example7 from '../../fixtures/topologies/example-7.json' with { type: 'json' };
import example7b from '../../fixtures/topologies/example-7b.json' with { type: 'json' };
import example8 from '../../fixtures/topologies/example-8.json' with { type: 'json' };
import example8b from '../../fixtures/topologies/example-8b.json' with { type: 'json' };
import example8c from '../../fixtures/topologies/example-8c.json' with { type: 'json' };
import example9 from '../../fixtures/topologies/example-9.json' with { type: 'json' };
import example9q from '../../fixtures/topologies/example-9q.json' with { type: 'json' };
import server from '../../fixtures/topologies/server.json' with { type: 'json' };
import threatsSw2 from '../../fixtures/topologies/threats-sw2.json' with { type: 'json' };
import threatsSw2Ats from '../../fixtures/topologies/threats-sw2-ats.json' with { type: 'json' };
import threatsSw2AtsUntrusted from '../../fixtures/topologies/threats-sw2-ats-untrusted.json' with { type: 'json' };
import threatsSw2BootWindow from '../../fixtures/topologies/threats-sw2-boot-window.json' with { type: 'json' };
import threatsSw2Lazy from '../../fixtures/topologies/threats-sw2-lazy.json' with { type: 'json' };
import threatsSw2Noacs from '../../fixtures/topologies/threats-sw2-noacs.json' with { type: 'json' };
import threatsSw2Noiommu from '../../fixtures/topologies/threats-sw2-noiommu.json' with { type: 'json' };
import threatsSw2Noir from '../../fixtures/topologies/threats-sw2-noir.json' with { type: 'json' };
import threatsSw2Quirk from '../../fixtures/topologies/threats-sw2-quirk.json' with { type: 'json' };
import threatsT10 from '../../fixtures/topologies/threats-t10.json' with { type: 'json' };
import threatsT13 from '../../fixtures/topologies/threats-t13.json' with { type: 'json' };
import threatsT2 from '../../fixtures/topologies/threats-t2.json' with { type: 'json' };
import threatsT2Quirk from '../../fixtures/topologies/threats-t2-quirk.json' with { type: 'json' };
import threatsT4 from '../../fixtures/topologies/threats-t4.json' with { type: 'json' };
import threatsUioVfio from '../../fixtures/topologies/threats-uio-vfio.json' with { type: 'json' };

export const defaultTopologyJson: unknown = json;

/** Bundled machines by name (the file names of fixtures/topologies without `.json`). */
export const bundledTopologies: Readonly<Record<string, unknown>> = {
  default: json,
  'example-1': example1,
  'example-10': example10,
  'example-1q': example1q,
  'example-2': example2,
  'example-2b': example2b,
  'example-3': example3,
  'example-4': example4,
  'example-4a': example4a,
  'example-4b': example4b,
  'example-5': example5,
  'example-6': example6,
  'example-7': example7,
  'example-7b': example7b,
  'example-8': example8,
  'example-8b': example8b,
  'example-8c': example8c,
  'example-9': example9,
  'example-9q': example9q,
  server,
  'threats-sw2': threatsSw2,
  'threats-sw2-ats': threatsSw2Ats,
  'threats-sw2-ats-untrusted': threatsSw2AtsUntrusted,
  'threats-sw2-boot-window': threatsSw2BootWindow,
  'threats-sw2-lazy': threatsSw2Lazy,
  'threats-sw2-noacs': threatsSw2Noacs,
  'threats-sw2-noiommu': threatsSw2Noiommu,
  'threats-sw2-noir': threatsSw2Noir,
  'threats-sw2-quirk': threatsSw2Quirk,
  'threats-t10': threatsT10,
  'threats-t13': threatsT13,
  'threats-t2': threatsT2,
  'threats-t2-quirk': threatsT2Quirk,
  'threats-t4': threatsT4,
  'threats-uio-vfio': threatsUioVfio,
};
