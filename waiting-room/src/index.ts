// The waiting room as a package: the object (createWaitingRoom) and the composition that starts it.
export { createWaitingRoom, type WaitingRoom, type WaitingRoomDeps } from './app';
export {
  logListening,
  openSale,
  startWaitingRoomInstance,
  type InstanceParts,
  type InstanceSettings,
  type RunningInstance,
} from './instance';
