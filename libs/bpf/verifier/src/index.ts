// Central eBPF verifier with kernel profiles
export {};
