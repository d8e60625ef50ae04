// libbpf binding: probe, load, attach, maps, test run
export {};
