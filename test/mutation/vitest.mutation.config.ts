/**
 * The vitest settings for mutation runs: the project's own, with test files sharing one
 * module graph per worker (isolate: false). Every mutant re-runs the tests that cover it, and
 * re-importing the whole simulator for each test file was most of a mutant's time. Safe here
 * because src/ keeps no module-level state (docs/conventions.md).
 */
import { defineConfig, mergeConfig } from 'vitest/config';
import base from '../../vitest.config.js';

export default mergeConfig(base, defineConfig({ test: { isolate: false } }));
