/** Scenario files: schema, values, the runner (docs/scenarios.md). */
export * from './schema.js';
export { evalExpr, evalValue, evalFlags, parseBytes, hexBytes, ValueError, type Vars } from './values.js';
export { resolveRequest, convertArg, getPath } from './args.js';
export { checkScenario, validateScenario } from './check.js';
export { describeStep } from './describe.js';
export { runScenario, parseScenario, scenarioHost, ScenarioRun, ScenarioInputError, type RunOptions, type ScenarioResult, type StepResult } from './runner.js';
