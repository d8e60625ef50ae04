// VM event sources: what makes programs run in the VM on hosts where the kernel cannot run them.
export { type VmEvent, type VmEventSource, type TaskContext, type SourceStats } from './source.js';
export { deliverEvent, eventFits, packetDirections, rawTracepointTarget, tracepointTarget } from './route.js';
export { SourceSet } from './source-set.js';
export { agentSources } from './agent-sources.js';
export { AppEventSource } from './app-source.js';
export { InterfacePacketSource, type InterfaceSourceOptions } from './interface-source.js';
export { PcapPacketSource, type PcapSourceOptions } from './pcap-source.js';
export { readPcap, readPcapWindow, writePcap, pcapFormat, PcapError, LINKTYPE_ETHERNET, type PcapPacket, type PcapFormat, type PcapErrorCode } from './pcap.js';
export { PerfSamplingSource, perfEventContext, PERF_EVENT_DATA_SIZE, PERF_REGS_SIZE, type PerfSamplingOptions } from './perf-source.js';
export { TaskTable, parseProcStat, type ProcTask } from './task-table.js';
export { ReplaySource, type ReplaySourceOptions } from './replay-source.js';
export { recordAttachPoints, capturePoints, type RecordOptions, type RecordSummary } from './recorder.js';
export {
  readRecording,
  readRecordingWindow,
  encodeRecord,
  encodeRecordingStart,
  RecordingWriter,
  RecordingError,
  RECORDING_MAGIC,
  RECORDING_VERSION,
  type RecordingHeader,
  type RecordingSourceInfo,
  type RecordedEvent,
  type RecordingErrorCode,
} from './recording.js';
export { Pacer, parseReplaySpeed, type ReplaySpeed } from './pacer.js';
export { MAX_VM_FRAME } from './frame-limits.js';
export { FileWindow, memoryWindow, type ByteWindow } from './byte-window.js';
