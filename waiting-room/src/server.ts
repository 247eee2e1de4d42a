import { collectDefaultMetrics, Registry } from 'prom-client';
import { createLogger, loadConfig, runMain, stopOnSignals } from '@flashsale/common';
import { logListening, openSale, startWaitingRoomInstance } from './instance';

/** One waiting-room instance of a split deployment: Redis, the private key and QUEUE_TOKEN_SECRET required. */
runMain(async () => {
  const config = loadConfig(process.env, 'waiting-room');
  const logger = createLogger(config.logLevel);
  const { store, sale } = await openSale(config, logger);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const running = await startWaitingRoomInstance({ store, sale, settings: config, logger, registry, onShutdown: () => store.close() });
  stopOnSignals(running);
  logListening(logger, running, config.mode, config, sale);
});
