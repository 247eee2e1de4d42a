import {
  saleStatus,
  shownPlace,
  type AdmissionControl,
  type Logger,
  type QueueStore,
  type SaleCounters,
  type SaleStatus,
  type SaleStatusEvent,
  type SaleStore,
  type SaleWindow,
} from '@flashsale/common';
import { AdmissionRateMeter, type WaitEstimate } from '../domain/eta';
import { PeriodicTask } from '../periodic-task';
import type { ShopperSockets } from './shopper-sockets';

/** How often each instance reads the sale-wide figures (one read, whatever the number of sockets). */
export const TICK_MS = 250;
/** Positions per store call: one ZRANK each, a few milliseconds of Redis per batch. */
const POSITION_BATCH = 5_000;
/** Positions looked up per second per instance at most; more shoppers means a slower refresh... */
const POSITIONS_PER_SECOND = 50_000;
/** ...but never slower than the SPEC's once a second. */
const MAX_REFRESH_MS = 1_000;
/** A change of stock alone is pushed at most this often; a change of status at once. */
const STOCK_PUSH_MS = 1_000;

/** What every instance knows about the sale between ticks. */
export interface LiveFigures {
  /** What `sale:status` says now: status, stock and window. */
  statusEvent: SaleStatusEvent;
  counters: SaleCounters;
  control: AdmissionControl;
  measuredPerSecond: number | null;
}

/**
 * The one periodic job of an instance's live pushes. Each tick reads the sale-wide figures once;
 * it tells every local socket when the status changes (sold out and ended within a tick), and
 * refreshes the positions of local waiting shoppers when the line has moved, with one batched
 * store call per 5,000 shoppers. No timer or store call is per socket.
 */
export class LiveTicker {
  private readonly task = new PeriodicTask(TICK_MS, () => this.refresh());
  private figures: LiveFigures | null = null;
  private readonly meter = new AdmissionRateMeter();
  private lastRefresh = { at: 0, departures: -1, shoppers: -1 };
  private lastStockPush = { at: 0, remaining: -1, total: -1 };

  constructor(
    private readonly deps: {
      store: SaleStore & QueueStore;
      sockets: ShopperSockets;
      /** The instance's live copy of the window, kept here as the store holds it (an operator may move it). */
      window: SaleWindow & { queueOpensAt: number };
      /** Written each tick; the routes and the greeting read it too. */
      estimate: WaitEstimate;
      instanceId: string;
      logger: Logger;
    },
  ) {}

  start(): void {
    this.task.start();
  }

  /** Stops, and waits for a tick under way: nothing is pushed after this resolves. */
  stop(): Promise<void> {
    return this.task.stop();
  }

  /** The figures of the last tick, or null before the first. */
  get latest(): LiveFigures | null {
    return this.figures;
  }

  /** One tick now (or the one under way). */
  tick(): Promise<void> {
    return this.task.runNow();
  }

  private async refresh(): Promise<void> {
    try {
      const { store, sockets } = this.deps;
      const [counters, control] = await Promise.all([store.saleCounters(), store.getAdmissionControl()]);
      const { window } = this.deps;
      const stored = counters.window;
      const moved = stored.startsAt !== window.startsAt || stored.endsAt !== window.endsAt || counters.stock !== this.lastStockPush.total;
      Object.assign(window, stored);
      const previous = this.figures;
      const status = saleStatus(window, counters.remaining, counters.now);
      const admitting = status === 'active' && !control.paused && counters.inDraw === 0 && counters.present > 0;
      this.meter.record(counters.now, counters.admittedTotal, { admitting, ratePerMinute: control.ratePerMinute });
      const measuredPerSecond = this.meter.perSecond();
      const statusEvent: SaleStatusEvent = {
        status,
        remaining: counters.remaining,
        startsAt: new Date(window.startsAt).toISOString(),
        endsAt: new Date(window.endsAt).toISOString(),
        total: counters.stock,
      };
      this.figures = { statusEvent, counters, control, measuredPerSecond };
      const { ratePerMinute, paused } = control;
      this.deps.estimate.update({ inDraw: counters.inDraw, measuredPerSecond, ratePerMinute, paused });

      this.pushSaleStatus(previous?.statusEvent.status ?? null, statusEvent, counters.now, moved);
      if (status === 'upcoming' || status === 'active') await this.refreshPositions(counters);
      await store.reportSockets(this.deps.instanceId, sockets.connectedSockets);
    } catch (error) {
      this.deps.logger.warn({ err: (error as Error).message }, 'live tick failed');
    }
  }

  /** `moved`: the operator moved the window or the stock, which every page hears at once. */
  private pushSaleStatus(previous: SaleStatus | null, event: SaleStatusEvent, now: number, moved: boolean): void {
    const { io } = this.deps.sockets;
    const { status, remaining, total } = event;
    const changed = previous !== null && previous !== status;
    const stockMoved = remaining !== this.lastStockPush.remaining && now - this.lastStockPush.at >= STOCK_PUSH_MS;
    if (changed || stockMoved || moved) {
      // Local sockets only: every instance tells its own, so nobody hears it twice.
      io.local.emit('sale:status', event);
      this.lastStockPush = { at: now, remaining, total };
    }
    if (!changed) return;
    if (status === 'sold_out') io.local.emit('sale:sold_out');
    if (status === 'ended') io.local.emit('sale:ended');
  }

  /**
   * Looks the local waiting shoppers up again when someone left the line ahead of anyone
   * (the store's `departures` moved) or shoppers arrived here, at most as often as the batch
   * budget allows, and pushes the positions that changed.
   */
  private async refreshPositions(counters: SaleCounters): Promise<void> {
    const { store, sockets } = this.deps;
    const waiting = sockets.waitingShoppers();
    const now = counters.now;
    const interval = Math.min(MAX_REFRESH_MS, Math.max(TICK_MS, (waiting.length / POSITIONS_PER_SECOND) * 1000));
    const moved = counters.departures !== this.lastRefresh.departures || waiting.length !== this.lastRefresh.shoppers;
    if (waiting.length === 0 || !moved || now - this.lastRefresh.at < interval - TICK_MS / 2) return;
    this.lastRefresh = { at: now, departures: counters.departures, shoppers: waiting.length };

    for (let start = 0; start < waiting.length; start += POSITION_BATCH) {
      const batch = waiting.slice(start, start + POSITION_BATCH);
      const positions = await store.queuePositions(batch);
      await sockets.pushPositions(
        batch.map((userId, i) => {
          const position = positions[i] ?? 0;
          // 0: no longer waits here; the sockets module drops them without a push.
          if (position === 0) return { userId, event: { position, etaSeconds: 0, waiting: counters.waiting } };
          const place = shownPlace(position, counters.waiting, counters.inDraw);
          return { userId, event: { ...place, etaSeconds: this.deps.estimate.seconds(place.position, now) } };
        }),
      );
    }
  }
}
