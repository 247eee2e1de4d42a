import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { ALL_IN_ONE_ENTRY as ENTRY, startAllInOne } from '../kit';

function exitOf(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; elapsedMs: number }> {
  const started = Date.now();
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, elapsedMs: Date.now() - started })));
}

describe('the all-in-one process', () => {
  test('starts on the embedded store with nothing configured, prints the admin token once, and stops cleanly on SIGTERM', async () => {
    const { child, url, output } = await startAllInOne({});
    try {
      const sale = (await (await fetch(`${url}/api/sale`)).json()) as Record<string, unknown>;
      expect(sale).toMatchObject({ saleId: 'launch', status: 'upcoming', stock: { total: 100, remaining: 100 } });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(output().match(/ADMIN_TOKEN was not set, so one was generated for this run: \S{16,}/g)).toHaveLength(1);
      expect(output()).toMatch(/"store":"memory"/);
    } finally {
      const exit = exitOf(child);
      child.kill('SIGTERM');
      expect(await exit).toEqual({ code: 0, elapsedMs: expect.any(Number) });
    }
  });

  test('refuses to start on invalid configuration, with one message naming the variable', async () => {
    const child = spawn(process.execPath, [ENTRY], { env: { PATH: process.env.PATH ?? '', SALE_STOCK: '-3' } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const { code } = await exitOf(child);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('Invalid configuration: SALE_STOCK must not be negative (got "-3")');
  });
});
