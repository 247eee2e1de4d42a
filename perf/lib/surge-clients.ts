import { ClientProcesses } from './client-processes';

/** One shopper of the surge: a distinct userId and a loopback source address of their own. */
export interface SurgeShopper {
  index: number;
  userId: string;
  address: string;
}

export const SURGE_STEPS = ['sale', 'challenge', 'join', 'socket'] as const;
export type SurgeStep = (typeof SURGE_STEPS)[number];

/** What one shopper went through, in wall-clock ms (see surge-client.js). */
export interface ShopperRun {
  index: number;
  scheduledAt: number;
  startedAt: number;
  /** When the first call's TCP handshake completed (the kernel's, before the service accepts it). */
  tcpConnectedAt: number;
  /** When the socket's connect was accepted, before its first position. */
  connectedAt: number;
  /** When each step of SURGE_STEPS finished; NaN if it did not. */
  ends: number[];
  /** Per step: the status and error code, a transport error, or 'ok' for the socket. */
  answers: Partial<Record<SurgeStep, string>>;
  failed: SurgeStep | null;
  /** The first position heard; -1 if none. */
  position: number;
}

export interface SurgeOutcome {
  runs: ShopperRun[];
  /** Sockets the service closed after their shopper was placed. */
  disconnects: number;
  /** Each client process's own event-loop delay during the surge, ms. */
  clientLoopLagMs: Array<{ p99: number; max: number }>;
}

/**
 * Child processes that play the shoppers (see surge-client.js): 10,000 arrivals in a second, with
 * their HTTP calls and sockets, are more than the bench's own event loop can send.
 */
export class SurgeClients {
  private constructor(private readonly children: ClientProcesses) {}

  static start(count: number): SurgeClients {
    return new SurgeClients(ClientProcesses.start('surge-client.js', count));
  }

  get pids(): number[] {
    return this.children.pids;
  }

  /**
   * Deals the shoppers round-robin (so each process's arrivals spread over the whole window),
   * and has each process fetch and solve one challenge per shopper. Returns how many were solved.
   */
  async prepare(url: string, shoppers: SurgeShopper[]): Promise<{ solved: number; required: boolean; solveMs: number }> {
    const answers = await this.children.askEach<{ solved: number; required: boolean; solveMs: number }>((k) => ({
      type: 'prepare',
      url,
      shoppers: shoppers.filter((shopper) => shopper.index % this.children.count === k),
    }));
    return {
      solved: answers.reduce((sum, answer) => sum + answer.solved, 0),
      required: answers.some((answer) => answer.required),
      solveMs: answers.reduce((sum, answer) => sum + answer.solveMs, 0),
    };
  }

  /** Every shopper arrives at t0 + index × windowMs / total; resolves once each is placed or failed. */
  async surge(url: string, t0: number, windowMs: number, total: number): Promise<SurgeOutcome> {
    const answers = await this.children.askEach<{ runs: ShopperRun[]; disconnects: number; loopLagMs: { p99: number; max: number } }>(
      () => ({ type: 'surge', url, t0, windowMs, total }),
    );
    return {
      runs: answers.flatMap((answer) => answer.runs).sort((a, b) => a.index - b.index),
      disconnects: answers.reduce((sum, answer) => sum + answer.disconnects, 0),
      clientLoopLagMs: answers.map((answer) => answer.loopLagMs),
    };
  }

  close(): Promise<void> {
    return this.children.close();
  }
}
