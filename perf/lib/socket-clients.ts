import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

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
  private constructor(private readonly children: ChildProcess[]) {}

  static start(count: number): SocketClients {
    const children = Array.from({ length: count }, () =>
      // 'advanced' keeps NaN (a missed update) as NaN rather than JSON's null.
      fork(path.join(__dirname, 'socket-client.js'), [], { serialization: 'advanced', stdio: 'inherit' }),
    );
    for (const child of children) {
      const killOnExit = () => child.kill('SIGKILL');
      process.once('exit', killOnExit);
      child.once('exit', () => process.removeListener('exit', killOnExit));
    }
    return new SocketClients(children);
  }

  get pids(): number[] {
    return this.children.map((child) => child.pid ?? 0);
  }

  /**
   * Connects every token's socket to its instance (`urls[instance[i]]`), the tokens spread evenly
   * over the children. Child c connects from 127.0.(c+1).1, .2, …, a few thousand per address.
   */
  async connect(urls: string[], tokens: string[], instance: (i: number) => number): Promise<Connected> {
    const share = Math.ceil(tokens.length / this.children.length);
    const answers = await Promise.all(
      this.children.map((child, c) => {
        const from = c * share;
        const mine = tokens.slice(from, from + share);
        const addresses = Array.from({ length: Math.ceil(mine.length / SOCKETS_PER_ADDRESS) }, (_, a) => `127.0.${c + 1}.${a + 1}`);
        return ask<Connected>(child, {
          type: 'connect',
          urls,
          tokens: mine,
          instance: Uint8Array.from(mine, (_, i) => instance(from + i)),
          addresses,
          perAddress: SOCKETS_PER_ADDRESS,
        });
      }),
    );
    const errors: Record<string, number> = {};
    for (const answer of answers) for (const [message, n] of Object.entries(answer.errors)) errors[message] = (errors[message] ?? 0) + n;
    return { ready: urls.map((_, i) => answers.reduce((sum, answer) => sum + (answer.ready[i] ?? 0), 0)), errors };
  }

  async arm(): Promise<void> {
    await Promise.all(this.children.map((child) => ask(child, { type: 'arm' })));
  }

  async collect(): Promise<Collected> {
    const answers = await Promise.all(
      this.children.map((child) =>
        ask<Omit<Collected, 'arrivals' | 'instances'> & { arrivals: Float64Array; instances: Uint8Array }>(child, { type: 'collect' }),
      ),
    );
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

  async close(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        await ask(child, { type: 'close' });
        await exited;
      }),
    );
  }
}

/** Sends one request to a child and waits for its answer; each child has one request at a time. */
function ask<T>(child: ChildProcess, message: { type: string } & Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`socket client exited with ${code} during '${message.type}'`));
    child.once('exit', onExit);
    child.once('message', (answer) => {
      child.removeListener('exit', onExit);
      resolve(answer as T);
    });
    child.send(message);
  });
}
