import { ClientProcesses } from './client-processes';

export interface Connected {
  /** Sockets that connected and heard their first position, per instance (index into the URLs). */
  ready: number[];
  errors: Record<string, number>;
}

export interface Collected {
  /** Wall-clock ms at which each ready socket heard its new position this round; NaN if it did not. */
  arrivals: number[];
  /** The instance each of those sockets is on. */
  instances: number[];
  /** Sockets that heard a position other than the one expected. */
  wrong: number;
  disconnects: number;
  /** Pushes whose position was higher than the one before, since the start. */
  rises: number;
}

/** Sockets per client process: under the 20,000 file descriptors a process may hold here. */
export const MAX_SOCKETS_PER_CLIENT = 15_000;
/**
 * Sockets per source address: each address has 28,000 ephemeral ports (32768–60999), so a few
 * thousand each leaves plenty, whatever else the machine connects.
 */
const SOCKETS_PER_ADDRESS = 2_500;

/**
 * Child processes that hold the shoppers' sockets (see socket-client.js), so parsing thousands of
 * pushes neither runs on the bench's event loop nor in the service's process.
 */
export class SocketClients {
  private constructor(private readonly children: ClientProcesses) {}

  static start(count: number): SocketClients {
    return new SocketClients(ClientProcesses.start('socket-client.js', count));
  }

  get pids(): number[] {
    return this.children.pids;
  }

  /**
   * Connects every token's socket to its instance (`urls[instance[i]]`), the tokens spread evenly
   * over the children. Child c connects from 127.0.(c+1).1, .2, …, a few thousand per address.
   */
  async connect(urls: string[], tokens: string[], instance: (i: number) => number): Promise<Connected> {
    const share = Math.ceil(tokens.length / this.children.count);
    const answers = await this.children.askEach<Connected>((c) => {
      const from = c * share;
      const mine = tokens.slice(from, from + share);
      const addresses = Array.from({ length: Math.ceil(mine.length / SOCKETS_PER_ADDRESS) }, (_, a) => `127.0.${c + 1}.${a + 1}`);
      return {
        type: 'connect',
        urls,
        tokens: mine,
        instance: Uint8Array.from(mine, (_, i) => instance(from + i)),
        addresses,
        perAddress: SOCKETS_PER_ADDRESS,
      };
    });
    const errors: Record<string, number> = {};
    for (const answer of answers) for (const [message, n] of Object.entries(answer.errors)) errors[message] = (errors[message] ?? 0) + n;
    return { ready: urls.map((_, i) => answers.reduce((sum, answer) => sum + (answer.ready[i] ?? 0), 0)), errors };
  }

  async arm(): Promise<void> {
    await this.children.askEach(() => ({ type: 'arm' }));
  }

  async collect(): Promise<Collected> {
    const answers = await this.children.askEach<
      Omit<Collected, 'arrivals' | 'instances'> & { arrivals: Float64Array; instances: Uint8Array }
    >(() => ({ type: 'collect' }));
    const sum = (pick: (answer: Omit<Collected, 'arrivals' | 'instances'>) => number) =>
      answers.reduce((total, answer) => total + pick(answer), 0);
    return {
      arrivals: answers.flatMap((answer) => Array.from(answer.arrivals)),
      instances: answers.flatMap((answer) => Array.from(answer.instances)),
      wrong: sum((answer) => answer.wrong),
      disconnects: sum((answer) => answer.disconnects),
      rises: sum((answer) => answer.rises),
    };
  }

  close(): Promise<void> {
    return this.children.close();
  }
}
