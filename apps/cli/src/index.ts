// bpfleet command-line interface
export {};
