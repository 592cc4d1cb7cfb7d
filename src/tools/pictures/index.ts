/** Pictures of machines and scenarios as SVG, drawn by our own code (no dependencies). */
export { drawMachine, type DrawOptions } from './machine-svg.js';
export { esc, svgDoc, groupColor } from './svg.js';
