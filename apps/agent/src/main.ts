import { parseArgs } from 'node:util';
import { Agent, type AgentLogger } from './agent.js';
import { resolveConfig, settingsFromEnv, settingsFromFile, type AgentSettings } from './config.js';
import { AgentError } from './errors.js';

const USAGE = `usage: bpfleet-agent [--config FILE] [options]

  --config FILE            JSON file with any of the settings below (camelCase keys)
  --nats URLS              NATS server URL(s), comma-separated (BPFLEET_NATS_URL)
  --nats-user USER, --nats-password PASS, --nats-token TOKEN
  --prefix NAME            subject/bucket prefix shared with the controller (BPFLEET_PREFIX)
  --id ID                  agent id (default: kept in the data dir)
  --labels k=v,...         labels (BPFLEET_AGENT_LABELS)
  --controller-key FILE    controller public key PEM (BPFLEET_CONTROLLER_PUBLIC_KEY[_FILE])
  --data-dir DIR           state: id, sequence, metric buffer (BPFLEET_AGENT_DATA_DIR)
  --interval DURATION      map snapshot interval (default 10s)
  --runtime auto|kernel|vm runtime policy (default auto)
  --interface IF           interface for xdp/tc programs (kernel attach; VM: read through AF_PACKET)
  --app-socket PATH        Unix socket for application events (VM programs)
  --pcap FILE              pcap/pcapng replayed to VM packet programs
  --replay FILE            recording (bpfleet record) replayed to VM tracepoint/raw_tp programs
  --replay-speed N|max     pace of --pcap/--replay: N x the recorded pace (default 1) or as fast as possible
  --perf-frequency HZ      samples per second per CPU for VM perf_event programs (default 99)
  --buffer-max-bytes N     disk buffer bound while NATS is unreachable (default 64 MiB)
`;

/** Flags > environment > config file. */
export function settingsFromArgs(args: readonly string[]): { settings: AgentSettings; configFile?: string; help: boolean } {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    options: {
      config: { type: 'string' },
      nats: { type: 'string' },
      'nats-user': { type: 'string' },
      'nats-password': { type: 'string' },
      'nats-token': { type: 'string' },
      prefix: { type: 'string' },
      id: { type: 'string' },
      labels: { type: 'string' },
      'controller-key': { type: 'string' },
      'data-dir': { type: 'string' },
      interval: { type: 'string' },
      runtime: { type: 'string' },
      interface: { type: 'string' },
      'app-socket': { type: 'string' },
      'buffer-max-bytes': { type: 'string' },
      pcap: { type: 'string' },
      replay: { type: 'string' },
      'replay-speed': { type: 'string' },
      'perf-frequency': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const settings: AgentSettings = {
    nats: values.nats,
    natsUser: values['nats-user'],
    natsPassword: values['nats-password'],
    natsToken: values['nats-token'],
    prefix: values.prefix,
    agentId: values.id,
    labels: values.labels,
    controllerPublicKeyFile: values['controller-key'],
    dataDir: values['data-dir'],
    snapshotInterval: values.interval,
    runtime: values.runtime,
    interface: values.interface,
    appEventSocket: values['app-socket'],
    bufferMaxBytes: values['buffer-max-bytes'],
    pcapFile: values.pcap,
    replayFile: values.replay,
    replaySpeed: values['replay-speed'],
    perfFrequency: values['perf-frequency'],
  };
  return { settings, configFile: values.config, help: values.help ?? false };
}

const stderrLog: AgentLogger = (level, message, context) => {
  if (level === 'debug' && !process.env['BPFLEET_AGENT_DEBUG']) return;
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...(context ?? {}) })}\n`);
};

/** Runs the agent until SIGINT/SIGTERM; returns the exit code (0 ok, 1 refused, 2 usage). */
export async function main(args: readonly string[], log: AgentLogger = stderrLog): Promise<number> {
  let agent: Agent;
  try {
    const { settings, configFile, help } = settingsFromArgs(args);
    if (help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const file = configFile ?? process.env['BPFLEET_AGENT_CONFIG'];
    const config = resolveConfig(file ? settingsFromFile(file) : {}, settingsFromEnv(process.env), settings);
    agent = await Agent.start(config, { log });
  } catch (e) {
    const err = e as Error & { code?: string };
    process.stderr.write(`bpfleet-agent: ${err.message}\n${e instanceof AgentError || err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? USAGE : ''}`);
    return e instanceof AgentError && e.code.startsWith('CONFIG') ? 2 : err.code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  }
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log('info', `${signal}: detaching programs and stopping`);
      resolve();
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
  await agent.stop();
  return 0;
}
