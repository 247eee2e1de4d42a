import type { JourneyEvent } from './journey';
import type { ConnectLive, LiveConnection, LiveHandlers } from './live-socket';
import type { SessionTimers } from './session-timers';
import type { ShopperApi } from './shopper-api';

/** Without a socket (before joining), the sale's figures are read this often. */
const SALE_POLL_MS = 5_000;

export interface SaleFeedDeps {
  api: ShopperApi;
  connectLive: ConnectLive;
  timers: SessionTimers;
  now: () => number;
  /** Where what the feed hears goes, as journey events. */
  tell: (event: JourneyEvent) => void;
}

/**
 * What the page hears about the sale and the line: GET /api/sale on a timer while no socket is up,
 * and the shopper's Socket.IO connection once in line, its pushes told as journey events.
 */
export class SaleFeed {
  private live: LiveConnection | null = null;
  private connected = false;
  private poll: ReturnType<typeof setInterval> | null = null;
  /** Counts the connections opened and closed: one this page closed itself has nothing more to say. */
  private link = 0;

  constructor(private readonly deps: SaleFeedDeps) {}

  startPolling(): void {
    this.poll = setInterval(() => void this.readSale(), SALE_POLL_MS);
  }

  /** Follows the line of this place; nothing new while a connection is open. */
  follow(queueToken: string): void {
    if (this.live) return;
    this.live = this.deps.connectLive(queueToken, this.handlers(++this.link));
  }

  unfollow(): void {
    this.link++;
    this.live?.close();
    this.live = null;
    this.connected = false;
  }

  stop(): void {
    this.unfollow();
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
  }

  private async readSale(): Promise<void> {
    // The socket pushes the figures while it is up.
    if (this.connected) return;
    const sale = await this.deps.api.sale();
    if (sale.ok && !this.deps.timers.stopped) this.deps.tell({ type: 'saleAnswered', sale: sale.body, at: this.deps.now() });
  }

  private handlers(link: number): LiveHandlers {
    const tell = (event: JourneyEvent) => {
      if (link === this.link) this.deps.tell(event);
    };
    return {
      position: (place) => tell({ type: 'positionPushed', place }),
      admitted: ({ admissionToken, expiresAt }) => tell({ type: 'admitted', admissionToken, expiresAt }),
      saleStatus: ({ status, remaining, startsAt, endsAt, total }) =>
        tell({
          type: 'saleStatusPushed',
          status,
          remaining,
          window: { startsAt: Date.parse(startsAt), endsAt: Date.parse(endsAt), total },
        }),
      soldOut: () => tell({ type: 'saleClosed', outcome: 'sold_out' }),
      ended: () => tell({ type: 'saleClosed', outcome: 'sale_ended' }),
      rejected: () => {
        // The socket closed itself: there is nothing left to close.
        if (link === this.link) this.live = null;
        tell({ type: 'placeRefused' });
      },
      reconnected: () => tell({ type: 'placeInDoubt' }),
      // The server says the place is gone. A barred network is final; otherwise a check of the place
      // says why (an admission run out, or absence).
      left: (reason) => tell(reason === 'network_blocked' ? { type: 'networkBarred' } : { type: 'placeInDoubt' }),
      connection: (connected) => {
        if (link === this.link) this.connected = connected;
        tell({ type: 'connectionChanged', connected });
      },
    };
  }
}
