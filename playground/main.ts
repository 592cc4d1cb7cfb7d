/**
 * The playground page: the same simulator and pictures as the CLI, in the browser. Two
 * modes share one stage (steps, picture, details, trace): a scenario (bundled, opened
 * or pasted) stepped forward and back, and driver code run in a worker. The topology pane
 * holds the machine both use.
 */
import { CodeMode } from './code-mode.js';
import { ScenarioMode } from './scenario-mode.js';
import { Stage } from './stage.js';
import { TopologyPane } from './topology-pane.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const stage = new Stage();
let mode: 'scenario' | 'code' = 'scenario';
const topology = new TopologyPane(() => scenarios.topologyChanged(mode === 'scenario'));
const scenarios = new ScenarioMode(stage, topology);
const code = new CodeMode(stage, topology);

function switchTo(m: 'scenario' | 'code'): void {
  mode = m;
  document.body.dataset['mode'] = m;
  $('tab-scenario').setAttribute('aria-selected', String(m === 'scenario'));
  $('tab-code').setAttribute('aria-selected', String(m === 'code'));
  $('scenario-pane').hidden = m !== 'scenario';
  $('code-pane').hidden = m !== 'code';
  if (m === 'scenario') scenarios.activate();
  else code.activate();
}

$('tab-scenario').addEventListener('click', () => switchTo('scenario'));
$('tab-code').addEventListener('click', () => switchTo('code'));
scenarios.activate(); // the first lesson, and its machine in the topology pane
if (location.hash === '#code') switchTo('code');
document.body.dataset['ready'] = 'true';
