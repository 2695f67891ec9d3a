// Simulated runs of bpftrace scripts: events files, the synthetic workload, and the runner.
export { runScript, type RunOptions, type RunScriptResult, type MapSummary } from './runner';
export { readEvents, eventsFromObjects, canonicalProbe, type ProbeEvent, type EventInput, type ArgValue, type EventsResult } from './events';
export { generateEvents, type GenerateOptions } from './generate';
