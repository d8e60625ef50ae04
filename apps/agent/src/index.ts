// bpfleet per-host agent: reconciles desired state, runs programs in the kernel or the VM, streams map data.
export { Agent, type AgentDeps, type AgentLogger, type LogLevel } from './agent.js';
export { resolveConfig, settingsFromEnv, settingsFromFile, parseDuration, parseLabels, type AgentConfig, type AgentSettings, type RuntimePolicy } from './config.js';
export { AgentError } from './errors.js';
export { DiskBuffer } from './disk-buffer.js';
export { StateStore } from './state-store.js';
export { MapSnapshotter, classifyMap, type RawMap } from './map-snapshot.js';
export { chooseRuntime, type RuntimeDecision } from './runtime-choice.js';
export { checkArtifact } from './artifact-check.js';
export { AGENT_VERSION } from './version.js';
export { agentSources } from './agent-sources.js';
