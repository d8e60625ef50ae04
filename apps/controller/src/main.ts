import { ConfigError, loadConfig } from './config/config.js';
import { PinoLoggerService } from './logging/pino-logger.service.js';
import { createControllerApp } from './app.js';

/** `node apps/controller/dist/main.js`: validate config, migrate, serve; SIGTERM/SIGINT drain and exit. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const logger = new PinoLoggerService(config.LOG_LEVEL);
  const app = await createControllerApp(config, logger);
  await app.listen(config.PORT, config.HOST);
  logger.log(`controller listening on http://${config.HOST}:${config.PORT} (OpenAPI at /api/docs)`, 'Main');
  // A shutdown that hangs (a stuck connection) must still end the process.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS).unref());
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`controller failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
