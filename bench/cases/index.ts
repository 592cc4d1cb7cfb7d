/** Every bench case, in the order the table prints them. */
import type { BenchCase } from '../harness.js';
import { dmaCopyCase } from './dma-copy.js';
import { execCase } from './exec.js';
import { interruptsCase } from './interrupts.js';
import { mapUnmapCase } from './map-unmap.js';
import { memoryCase } from './memory.js';
import { stepsCase } from './steps.js';
import { translateCase } from './translate.js';

export const CASES: readonly BenchCase[] = [translateCase, mapUnmapCase, dmaCopyCase, memoryCase, interruptsCase, stepsCase, execCase];
