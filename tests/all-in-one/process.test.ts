import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { ALL_IN_ONE_ENTRY as ENTRY, errorCode, join, startAllInOne } from '../kit';

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
      expect(output()).toMatch(/To try shop-signed identities: npm run mint-identity/);
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

  test('identity mode as npm start tells it: mint-identity prints the key to start with and a token a join is known by', async () => {
    const root = path.join(__dirname, '..', '..');
    const printed = execFileSync(path.join(root, 'node_modules', '.bin', 'tsx'), ['scripts/mint-identity.ts', 'Dora@Shop.test'], {
      cwd: root,
      encoding: 'utf8',
    });
    const keyFile = /IDENTITY_PUBLIC_KEY_FILE=(\S+)/.exec(printed)?.[1] as string;
    const token = /identity token\s+(\S+)/.exec(printed)?.[1] as string;
    const { child, url } = await startAllInOne({ IDENTITY_PUBLIC_KEY_FILE: path.join(root, keyFile), JOIN_CHALLENGE_MAX_NUMBER: '0' });
    try {
      expect((await join(url, 'anyone', { identityToken: token })).body).toMatchObject({ state: 'waiting', userId: 'dora@shop.test' });
      expect(errorCode(await join(url, 'dora@shop.test'))).toBe('identity_required');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
