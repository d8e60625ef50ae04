// The VM's host side: objects running in the userspace VM, fed by event sources (live packets, pcap
// files, perf sampling, replayed tracepoint recordings, application events). Used by the agent and by
// `bpfleet trace --engine vm` / `bpfleet record`.
export { VmHostError } from './errors.js';
export { autoloadPrograms, isPerCpuType, isStreamed, type RawEvent, type RawMap, type RunStats } from './contents.js';
export { VmRunningProgram, takesPacket, RUN_TIME_SAMPLE_EVERY, type VmProgramOptions } from './vm-program.js';
export { SampledRunTimer } from './run-timer.js';
export { AppEventSocket, parseAppEvent, type AppEvent } from './app-events.js';
export { type VmEvent, type VmEventSource, type TaskContext, type SourceStats } from './sources/source.js';
export { deliverEvent, eventFits, packetDirections, rawTracepointTarget, tracepointTarget } from './sources/route.js';
export { SourceSet } from './sources/source-set.js';
export { AppEventSource } from './sources/app-source.js';
export { InterfacePacketSource, type InterfaceSourceOptions } from './sources/interface-source.js';
export { PcapPacketSource, type PcapSourceOptions } from './sources/pcap-source.js';
export { readPcap, readPcapWindow, writePcap, pcapFormat, PcapError, LINKTYPE_ETHERNET, type PcapPacket, type PcapFormat, type PcapErrorCode } from './sources/pcap.js';
export { PerfSamplingSource, perfEventContext, PERF_EVENT_DATA_SIZE, PERF_REGS_SIZE, type PerfSamplingOptions } from './sources/perf-source.js';
export { TaskTable, parseProcStat, type ProcTask } from './sources/task-table.js';
export { ReplaySource, type ReplaySourceOptions } from './sources/replay-source.js';
export { recordAttachPoints, capturePoints, type RecordOptions, type RecordSummary } from './sources/recorder.js';
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
} from './sources/recording.js';
export { Pacer, parseReplaySpeed, type ReplaySpeed } from './sources/pacer.js';
export { MAX_VM_FRAME } from './sources/frame-limits.js';
export { FileWindow, memoryWindow, type ByteWindow } from './sources/byte-window.js';
