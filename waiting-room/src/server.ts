import { loadConfig, runMain, stopOnSignals } from '@flashsale/common';
import { logListening, openSale, startWaitingRoomInstance } from './instance';

/** One waiting-room instance of a split deployment: Redis, the private key and QUEUE_TOKEN_SECRET required. */
runMain(async () => {
  const config = loadConfig(process.env, 'waiting-room');
  const { logger, store, sale, registry } = await openSale(config);
  const running = await startWaitingRoomInstance({ store, sale, settings: config, logger, registry, onShutdown: () => store.close() });
  stopOnSignals(running);
  logListening(logger, running, config.mode, config, sale);
});
