import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { perTestFile } from './fixtures';
import { freePort } from './ports';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;
const LOG_LIMIT = 20_000;

/** Runs one statement on its own short-lived connection; pg clients are cheap next to a test. */
async function run(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  // A server that goes away between statements emits 'error' on an idle client; the query rejects anyway.
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Database names are spliced into SQL (CREATE DATABASE takes no parameters), so keep them plain. */
function checkName(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  return name;
}

/**
 * The server's binaries: PG_BIN, else the newest Debian install (/usr/lib/postgresql/<n>/bin),
 * else whatever initdb is on PATH.
 */
function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian)
    ? readdirSync(debian)
        .filter((version) => existsSync(path.join(debian, version, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return path.join(debian, versions[0], 'bin');
  try {
    return path.dirname(execFileSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).trim());
  } catch {
    throw new Error(
      'PostgreSQL server binaries (initdb) not found: install the postgresql package (npm test does, as root), or set PG_BIN',
    );
  }
}

/** PostgreSQL refuses to run as root: as root, initdb and the server run as the postgres user. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error('running as root, and there is no postgres user to run the server as (apt-get install postgresql creates it)');
  }
}

/**
 * A throwaway PostgreSQL cluster on a free port and a fresh directory, owned by one test file.
 * Unlike the shared server, fault tests may stop it and start it again on the same port and data.
 */
export class PostgresCluster {
  private process: ChildProcess | null = null;
  private output = '';

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly bin: string,
    private readonly user: { uid: number; gid: number } | undefined,
  ) {}

  static async start(): Promise<PostgresCluster> {
    const bin = binDir();
    const user = serverUser();
    const dir = mkdtempSync(path.join(tmpdir(), 'flashsale-pg-'));
    if (user) chownSync(dir, user.uid, user.gid);
    const cluster = new PostgresCluster(await freePort(), dir, bin, user);
    try {
      await cluster.initdb();
      await cluster.restart();
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
    return cluster;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** The server's recent output, for failure messages. */
  get log(): string {
    return this.output;
  }

  private get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  /** Spawn options shared by initdb and the server: its user, a cwd it may enter, English messages. */
  private spawnOptions() {
    return { cwd: this.dir, env: { ...process.env, LC_ALL: 'C' }, ...(this.user ?? {}) };
  }

  private async initdb(): Promise<void> {
    const args = ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'];
    try {
      await promisify(execFile)(path.join(this.bin, 'initdb'), args, { ...this.spawnOptions(), timeout: 60_000 });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`initdb failed: ${String(error)}\n${stdout}${stderr}`);
    }
  }

  /** Starts the server (again) on the same port and data, and waits until it accepts connections. */
  async restart(): Promise<void> {
    if (this.process) throw new Error('postgres is already running');
    this.output = '';
    // fsync off: a test cluster is never recovered from a power loss, and it starts and commits faster.
    const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: this.dir, fsync: 'off', logging_collector: 'off' };
    const args = [
      '-D',
      this.dataDir,
      '-p',
      String(this.port),
      ...Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    ];
    const child = spawn(path.join(this.bin, 'postgres'), args, { ...this.spawnOptions(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-LOG_LIMIT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // A test runner that dies must not leave servers behind; SIGQUIT makes the postmaster take its backends down too.
    const killOnExit = () => child.kill('SIGQUIT');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    try {
      await this.waitUntilReady(child);
    } catch (error) {
      await this.stop('immediate');
      throw error;
    }
  }

  /** Polls with real connections: the log's wording varies by version and locale, a query does not. */
  private async waitUntilReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`postgres exited with ${child.exitCode ?? child.signalCode}:\n${this.output}`);
      }
      try {
        await run(this.url, 'SELECT 1');
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(`postgres did not accept connections within ${START_TIMEOUT_MS / 1000} s (${String(error)}):\n${this.output}`);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Stops the server and waits for it. 'fast' (SIGINT) rolls back open transactions and shuts down
   * cleanly; 'immediate' (SIGQUIT) is a crash: the next start replays the WAL.
   */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    const child = this.process;
    if (!child) return;
    this.process = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`postgres did not stop within ${STOP_TIMEOUT_MS / 1000} s:\n${this.output}`));
      }, STOP_TIMEOUT_MS);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    });
  }

  async destroy(): Promise<void> {
    try {
      await this.stop();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** Creates a database on this cluster and returns its URL. */
  async createDatabase(name: string): Promise<string> {
    await run(this.url, `CREATE DATABASE ${checkName(name)}`);
    return withDatabase(this.url, name);
  }
}

/** One throwaway cluster for the enclosing test file (or describe block); see perTestFile. */
export function usePostgresCluster(): () => PostgresCluster {
  return perTestFile('the PostgreSQL cluster', () => PostgresCluster.start());
}
