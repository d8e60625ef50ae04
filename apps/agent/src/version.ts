/** Reported in announce messages. */
export const AGENT_VERSION = 'bpfleet-agent 0.1.0';
