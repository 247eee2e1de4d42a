import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { perTestFile } from './fixtures';
import { RedisServer } from './redis-server';

const run = promisify(execFile);

/**
 * A throwaway Redis Cluster of three masters (no replicas) on free ports, joined by
 * `redis-cli --cluster create` as an operator would, for one test file.
 */
export class RedisCluster {
  private constructor(readonly nodes: RedisServer[]) {}

  static async start(size = 3): Promise<RedisCluster> {
    const nodes = await Promise.all(Array.from({ length: size }, () => RedisServer.start({ cluster: true })));
    const cluster = new RedisCluster(nodes);
    try {
      const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
      await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
      await cluster.waitUntilHealthy();
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
    return cluster;
  }

  /** The seed node the product is given (REDIS_URL with REDIS_CLUSTER=true): it finds the others. */
  get url(): string {
    return this.nodes[0]!.url;
  }

  /** A plain Cluster client for assertions. */
  client(): Cluster {
    return new Cluster([{ host: '127.0.0.1', port: this.nodes[0]!.port }], { redisOptions: { maxRetriesPerRequest: 1 } });
  }

  /** Every node must see every slot served before a test may rely on redirections settling. */
  private async waitUntilHealthy(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const states = await Promise.all(
        this.nodes.map(async (node) => {
          const client = node.client();
          try {
            return await client.cluster('INFO');
          } finally {
            client.disconnect();
          }
        }),
      );
      if (states.every((info) => info.includes('cluster_state:ok'))) return;
      if (Date.now() > deadline) throw new Error(`the cluster did not become healthy:\n${states.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.destroy()));
  }
}

/** One throwaway cluster for the enclosing test file, like useRedisServer. */
export function useRedisCluster(): () => RedisCluster {
  return perTestFile('the Redis Cluster', () => RedisCluster.start(), 30_000);
}
