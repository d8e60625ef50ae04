// Response shapes of the controller's /api/v1 (see apps/controller/src/dtos): only the fields the CLI shows.

export interface ProgramView {
  name: string;
  description: string | null;
  versions: number;
  latestVersion: number | null;
  updatedAt: string;
}

export interface VersionView {
  program: string;
  version: number;
  digest: string;
  size: number;
  status: string;
  uploader: string;
  parentVersion: number | null;
  programs: { name: string; section: string }[];
  createdAt: string;
  signature: string | null;
}

export interface UploadResultView {
  created: boolean;
  version: VersionView;
  queuedProfiles: string[];
}

export interface VerdictView {
  program: string;
  section: string;
  verdict: string;
  processedInsns: number;
  error: string | null;
  log: string;
  verifier: string;
  durationMs: number;
}

export interface ProfileReportView {
  kernelProfile: string;
  state: string;
  attempts: number;
  error: string | null;
  results: VerdictView[];
}

export interface VerificationReportView {
  version: VersionView;
  profiles: ProfileReportView[];
}

export interface RolloutTargetView {
  agentId: string;
  wave: number;
  state: string;
  detail: string | null;
  previousVersion: number | null;
}

export interface RolloutView {
  id: string;
  program: string;
  version: number;
  previousVersion: number | null;
  selector: Record<string, string>;
  state: string;
  currentWave: number;
  waves: number;
  reason: string | null;
  createdAt: string;
  counts: Record<string, number>;
  targets?: RolloutTargetView[];
}

export interface AgentView {
  id: string;
  hostname: string;
  labels: Record<string, string>;
  kernelRelease: string;
  kernelProfile: string;
  runtime: string;
  status: string;
  programs: AgentProgramView[];
  lastSeen: string;
}

/** An agent's last status of one program: the runtime is what actually runs it, not the agent's policy. */
export interface AgentProgramView {
  program: string;
  version: number;
  state: string;
  runtime?: { kind: string; reason: string };
}

export interface QueryResultView {
  agg: string;
  from: string;
  to: string;
  step: number;
  series?: { group: string; points: [string, number][] }[];
  top?: { group: string; value: number }[];
  buckets?: { slot: number; lower: number; upper: number; count: number }[];
  percentiles?: { total: number; p50: number | null; p90: number | null; p99: number | null };
}

export const TERMINAL_ROLLOUT_STATES = new Set(['completed', 'aborted', 'rolled_back']);
