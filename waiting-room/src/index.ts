// The waiting room as a package: the object (createWaitingRoom), the composition that starts it, and
// the queue token and the join challenge (tests and load tests make them as the waiting room does).
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
export { createJoinChallenges, type JoinChallenges } from './guards/join-challenge';
