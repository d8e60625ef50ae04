import type { AgentConfig } from './config.js';
import { AppEventSource, InterfacePacketSource, PcapPacketSource, PerfSamplingSource, ReplaySource, SourceSet, type VmEvent, type VmEventSource } from '@bpfleet/vm-host';

/** The VM event sources an agent configuration names. */
export function agentSources(config: AgentConfig, sink: (event: VmEvent) => void, onError: (source: VmEventSource, error: Error) => void): SourceSet {
  const sources: VmEventSource[] = [];
  const alwaysOn = new Set<VmEventSource>();
  if (config.appEventSocket) {
    const app = new AppEventSource(config.appEventSocket);
    sources.push(app);
    alwaysOn.add(app); // applications connect whether or not a program listens yet
  }
  if (config.interface) sources.push(new InterfacePacketSource(config.interface));
  if (config.pcapFile) sources.push(new PcapPacketSource(config.pcapFile, { speed: config.replaySpeed }));
  if (config.replayFile) sources.push(new ReplaySource(config.replayFile, { speed: config.replaySpeed }));
  sources.push(new PerfSamplingSource({ frequency: config.perfFrequency }));
  return new SourceSet(sources, sink, onError, alwaysOn);
}
