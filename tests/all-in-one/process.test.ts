import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';

const ENTRY = path.join(__dirname, '../../waiting-room/dist/all-in-one.js');

interface Started {
  child: ChildProcessWithoutNullStreams;
  url: string;
  output: () => string;
}

/** Starts the built all-in-one process as `npm start` does, on a free port. */
function startAllInOne(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, [ENTRY], { env: { PATH: process.env.PATH ?? '', PORT: '0', ...env } });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line within 10 s:\n${output}`)), 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: match[1], output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${output}`));
    });
  });
}

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
