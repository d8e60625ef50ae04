// bpfleet controller (NestJS): program registry, central verification, signing, agents.
export { createControllerApp } from './app.js';
export { AppModule } from './app.module.js';
export { loadConfig, ConfigError, type ControllerConfig } from './config/config.js';
export { PinoLoggerService } from './logging/pino-logger.service.js';
