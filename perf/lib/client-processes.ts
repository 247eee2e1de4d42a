import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/**
 * The bench's client child processes (socket-client.js, surge-client.js): the load they make,
 * thousands of sockets or arrivals a second, is more than the bench's own event loop can carry.
 * Each child answers one request at a time, by `type`.
 */
export class ClientProcesses {
  private constructor(
    private readonly children: ChildProcess[],
    private readonly name: string,
  ) {}

  /** Forks `count` children of `script` (a file beside this one), killed if the bench exits first. */
  static start(script: string, count: number): ClientProcesses {
    const children = Array.from({ length: count }, () =>
      // 'advanced' keeps typed arrays and NaN (a missed update) as they are, not as JSON.
      fork(path.join(__dirname, script), [], { serialization: 'advanced', stdio: 'inherit' }),
    );
    for (const child of children) {
      const killOnExit = () => child.kill('SIGKILL');
      process.once('exit', killOnExit);
      child.once('exit', () => process.removeListener('exit', killOnExit));
    }
    return new ClientProcesses(children, script);
  }

  get count(): number {
    return this.children.length;
  }

  get pids(): number[] {
    return this.children.map((child) => child.pid ?? 0);
  }

  /** Sends each child its own request (`messageFor(index)`) and waits for every answer. */
  askEach<T>(messageFor: (index: number) => { type: string } & Record<string, unknown>): Promise<T[]> {
    return Promise.all(this.children.map((child, index) => this.ask<T>(child, messageFor(index))));
  }

  /** Asks every child to close its connections, and waits until each has exited. */
  async close(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        await this.ask(child, { type: 'close' });
        await exited;
      }),
    );
  }

  private ask<T>(child: ChildProcess, message: { type: string } & Record<string, unknown>): Promise<T> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`${this.name} exited with ${code} during '${message.type}'`));
      child.once('exit', onExit);
      child.once('message', (answer: { type: string; error?: string }) => {
        child.removeListener('exit', onExit);
        if (answer.type === 'failed') reject(new Error(`${this.name} failed during '${message.type}': ${answer.error}`));
        else resolve(answer as T);
      });
      child.send(message);
    });
  }
}
