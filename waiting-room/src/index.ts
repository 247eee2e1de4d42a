// The waiting room as a package: the object (createWaitingRoom), the composition that starts it, and
// the queue token (load tests sign their shoppers' tokens as the waiting room does).
export { createWaitingRoom, type WaitingRoom, type WaitingRoomDeps } from './app';
export {
  logListening,
  openSale,
  startWaitingRoomInstance,
  type InstanceParts,
  type InstanceSettings,
  type RunningInstance,
} from './instance';
export { createQueueTokens, type QueueTokens } from './domain/queue-token';
