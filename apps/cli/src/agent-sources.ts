// The agent's VM event sources and VM runtime, used by `bpfleet record` and `bpfleet trace --engine vm`.
// The one place the CLI reaches into the agent app (the lint rule forbids app-to-app imports elsewhere).
// eslint-disable-next-line @nx/enforce-module-boundaries -- the CLI runs the agent's sources in-process
export * from '@bpfleet/agent';
