import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface Connected {
  ready: number;
  errors: Record<string, number>;
}

export interface Collected {
  /** Wall-clock ms at which each ready socket heard its new position this round; NaN if it did not. */
  arrivals: number[];
  /** Sockets that heard a position other than the one expected. */
  wrong: number;
  disconnects: number;
}

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

  /** Connects every token's socket, spread evenly over the children. */
  async connect(url: string, tokens: string[]): Promise<Connected> {
    const share = Math.ceil(tokens.length / this.children.length);
    const answers = await Promise.all(
      this.children.map((child, i) => ask<Connected>(child, { type: 'connect', url, tokens: tokens.slice(i * share, (i + 1) * share) })),
    );
    const errors: Record<string, number> = {};
    for (const answer of answers) for (const [message, n] of Object.entries(answer.errors)) errors[message] = (errors[message] ?? 0) + n;
    return { ready: answers.reduce((sum, answer) => sum + answer.ready, 0), errors };
  }

  async arm(): Promise<void> {
    await Promise.all(this.children.map((child) => ask(child, { type: 'arm' })));
  }

  async collect(): Promise<Collected> {
    const answers = await Promise.all(this.children.map((child) => ask<Collected>(child, { type: 'collect' })));
    return {
      arrivals: answers.flatMap((answer) => answer.arrivals),
      wrong: answers.reduce((sum, answer) => sum + answer.wrong, 0),
      disconnects: answers.reduce((sum, answer) => sum + answer.disconnects, 0),
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
