import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { perTestFile } from './fixtures';
import { freePort } from './ports';

export interface RedisServerOptions {
  /** Append-only file with this fsync policy; absent means no persistence at all. */
  appendfsync?: 'always' | 'everysec';
  /** A node of a Redis Cluster (see redis-cluster.ts), which keeps its cluster state in its directory. */
  cluster?: boolean;
}

/**
 * A throwaway redis-server on a free port and a fresh directory, owned by one test file.
 * Fault tests kill it and start it again on the same port and directory.
 */
export class RedisServer {
  private process: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly options: RedisServerOptions,
  ) {}

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), mkdtempSync(path.join(tmpdir(), 'flashsale-redis-')), options);
    await server.restart();
    return server;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** A plain client for assertions (not the fail-fast client the product uses). */
  client(): Redis {
    return new Redis(this.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  }

  async restart(): Promise<void> {
    if (this.process) throw new Error('redis-server is already running');
    const persistence = this.options.appendfsync
      ? ['--appendonly', 'yes', '--appendfsync', this.options.appendfsync]
      : ['--appendonly', 'no'];
    const cluster = this.options.cluster
      ? ['--cluster-enabled', 'yes', '--cluster-config-file', path.join(this.dir, 'nodes.conf'), '--cluster-node-timeout', '2000']
      : [];
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', ...persistence, ...cluster],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.process = child;
    // A test runner or bench that dies must not leave servers behind.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}:\n${output}`));
      });
    });
  }

  /** Stops the server with a signal: SIGKILL for a crash, SIGTERM for a clean stop. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.process;
    if (!child) return;
    this.process = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  /** Freezes the server (SIGSTOP): connections stay open and nothing answers. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }

  async destroy(): Promise<void> {
    this.resume();
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One throwaway redis-server for the enclosing test file (or describe block); see perTestFile. */
export function useRedisServer(options: RedisServerOptions = {}): () => RedisServer {
  return perTestFile('the Redis server', () => RedisServer.start(options));
}
