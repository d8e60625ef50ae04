// bpfleet controller (NestJS)
export {};
