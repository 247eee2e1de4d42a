import type { Express } from 'express';
import type { AdmissionSettings, SaleStore } from '@flashsale/common';
import { mountSaleRoutes } from './routes/sale';

export interface WaitingRoomDeps {
  store: SaleStore;
  admission: AdmissionSettings;
}

/** Adds the waiting room's routes to an app: on its own, or in the all-in-one process. */
export function mountWaitingRoom(app: Express, deps: WaitingRoomDeps): void {
  mountSaleRoutes(app, deps);
}
