import type { Express } from 'express';
import { saleStatus, type AdmissionSettings, type SaleStore } from '@flashsale/common';

export interface SaleRouteDeps {
  store: SaleStore;
  admission: AdmissionSettings;
}

export function mountSaleRoutes(app: Express, deps: SaleRouteDeps): void {
  app.get('/api/sale', async (_req, res) => {
    const sale = await deps.store.getSale();
    res.json({
      saleId: sale.saleId,
      status: saleStatus(sale, sale.remaining, sale.now),
      startsAt: new Date(sale.startsAt).toISOString(),
      endsAt: new Date(sale.endsAt).toISOString(),
      serverTime: new Date(sale.now).toISOString(),
      stock: { total: sale.stock, remaining: sale.remaining },
      // The queue arrives with the waiting room's queue; until then nobody waits.
      queue: { waiting: 0, admissionRatePerMinute: deps.admission.ratePerMinute, paused: false },
    });
  });
}
