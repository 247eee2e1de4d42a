import { loadConfig, runMain } from '@flashsale/common';
import { startWaitingRoomProcess } from './start-process';

/**
 * The all-in-one process: both services (and, as it arrives, the built client) on one port.
 * With no REDIS_URL it runs on the embedded store, so it needs nothing but Node.js.
 */
runMain(() => startWaitingRoomProcess(loadConfig(process.env, 'all-in-one'), { withCheckout: true }));
