import { loadConfig, runMain } from '@flashsale/common';
import { startWaitingRoomProcess } from './start-process';

/** One waiting-room instance of a split deployment: Redis, the private key and QUEUE_TOKEN_SECRET required. */
runMain(() => startWaitingRoomProcess(loadConfig(process.env, 'waiting-room'), { withCheckout: false }));
