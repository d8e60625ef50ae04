// bpfleet per-host agent
export {};
