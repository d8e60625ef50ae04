// The agent simulator: many lightweight agents speaking the real fleet protocol in one process, for
// integration tests and benchmarks of the controller (never part of a deployed build).
export { SimFleet, type SimFleetOptions } from './fleet.js';
export { SimAgent, type LoadBehaviour, type SimAgentOptions } from './sim-agent.js';
export { ControllerClient } from './api.js';
