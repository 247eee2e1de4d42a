import { execFile, execFileSync } from 'node:child_process';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '@flashsale/common';

/**
 * The split deployment, checked without a Docker engine: docker-compose.yml through the real
 * `docker-compose config` (interpolation, schema, defaults) and deploy/haproxy.cfg through
 * `haproxy -c`. Both tools come from scripts/ensure-test-deps.sh.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const SECRETS = { ADMIN_TOKEN: 'admin-token-for-the-compose-test', QUEUE_TOKEN_SECRET: 'queue-token-secret-for-the-compose-test-0123' };
/** Two settings given, to see them reach every instance; the rest keep the SPEC's defaults. */
const GIVEN = { SALE_STOCK: '7', SALE_STARTS_AT: '2030-01-01T09:00:00Z' };
const SPEC_DEFAULTS: Record<string, string> = {
  SALE_ID: 'launch',
  SALE_ENDS_AT: '',
  QUEUE_OPENS_AT: '',
  PREQUEUE_ORDER: 'random',
  ADMISSION_RATE_PER_MINUTE: '600',
  ADMISSION_TOKEN_TTL_SECONDS: '120',
  MAX_ACTIVE_ADMISSIONS: '',
  OVERBOOK: '1.0',
  PRESENCE_GRACE_SECONDS: '30',
  QUEUE_IDLE_TIMEOUT_SECONDS: '600',
  RATE_LIMIT_PER_MINUTE: '300',
  JOIN_CHALLENGE_MAX_NUMBER: '100000',
  MAX_PLACES_PER_NETWORK: '50',
  IDENTITY_PUBLIC_KEY: '',
  IDENTITY_ISSUER: '',
  LOG_LEVEL: 'info',
};
const INSTANCES = ['waiting-room', 'checkout'] as const;

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: (string | { source?: string; target: string; read_only?: boolean })[];
  ports?: (string | { published?: number | string; target: number })[];
  deploy?: { replicas?: number };
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  container_name?: string;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
}

interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Searches PATH, then the sbin directories (Debian installs haproxy in /usr/sbin). */
function findTool(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  const found = dirs
    .filter((dir) => dir !== '')
    .map((dir) => path.join(dir, name))
    .find((file) => existsSync(file));
  if (found === undefined) throw new Error(`${name} is not installed: run bash scripts/ensure-test-deps.sh`);
  return found;
}

function runTool(command: string, args: string[], env: Record<string, string>): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: ROOT, env, timeout: 20_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      // Not started, or killed at the timeout: no exit code to report.
      if (error !== null && typeof error.code !== 'number') return reject(new Error(`${command} did not finish: ${error.message}`));
      resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

/** Only what the tools need, so a developer's own SALE_STOCK or PORT cannot change the outcome. */
function toolEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir(), LANG: 'C.UTF-8', ...extra };
}

function composeConfig(extra: Record<string, string>): Promise<ToolResult> {
  return runTool(findTool('docker-compose'), ['-f', 'docker-compose.yml', 'config'], toolEnv(extra));
}

interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

function mountsOf(service: ComposeService): Mount[] {
  return (service.volumes ?? []).map((volume) => {
    if (typeof volume !== 'string') return { source: volume.source ?? '', target: volume.target, readOnly: volume.read_only === true };
    const [source = '', target = '', mode = 'rw'] = volume.split(':');
    return { source, target, readOnly: mode.split(',').includes('ro') };
  });
}

function portsOf(service: ComposeService): { published: string; target: string }[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port !== 'string') return { published: String(port.published ?? ''), target: String(port.target) };
    const parts = port.replace(/\/\w+$/, '').split(':');
    return { published: parts.at(-2) ?? '', target: parts.at(-1) ?? '' };
  });
}

/** haproxy.cfg as sections ("frontend public" → its lines), comments dropped, spaces collapsed. */
function haproxySections(text: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trimEnd();
    if (line.trim() === '') continue;
    if (/^\S/.test(line)) sections.set(line, (current = []));
    else current.push(line.trim().replace(/\s+/g, ' '));
  }
  return sections;
}

describe('the compose deployment of split mode', () => {
  let compose: ComposeFile;
  const service = (name: string): ComposeService => {
    const found = compose.services[name];
    if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
    return found;
  };

  beforeAll(async () => {
    const result = await composeConfig({ ...SECRETS, ...GIVEN });
    expect(result).toMatchObject({ code: 0 });
    compose = parseYaml(result.stdout) as ComposeFile;
  });

  test('stops, naming the variable, when a required secret is not set', async () => {
    const neither = await composeConfig({});
    expect(neither.code).not.toBe(0);
    expect(neither.stderr).toMatch(/set ADMIN_TOKEN/);
    const noQueueSecret = await composeConfig({ ADMIN_TOKEN: SECRETS.ADMIN_TOKEN });
    expect(noQueueSecret.code).not.toBe(0);
    expect(noQueueSecret.stderr).toMatch(/set QUEUE_TOKEN_SECRET/);
  });

  test('runs two instances of each service from the one image, scalable with --scale', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['checkout', 'keys', 'lb', 'postgres', 'redis', 'waiting-room']);
    for (const name of INSTANCES) {
      const instance = service(name);
      expect(instance.deploy?.replicas).toBe(2);
      expect(instance.build?.dockerfile).toBe('deploy/Dockerfile');
      expect(instance.command).toEqual(['node', `${name}/dist/server.js`]);
      expect(existsSync(path.join(ROOT, name, 'src', 'server.ts'))).toBe(true);
      // A fixed name or host port would make a second replica fail to start.
      expect(instance.container_name).toBeUndefined();
      expect(instance.ports).toBeUndefined();
    }
    expect(existsSync(path.join(ROOT, 'deploy', 'Dockerfile'))).toBe(true);
    expect(service('keys').image).toBe(service('waiting-room').image);
    expect(service('checkout').image).toBe(service('waiting-room').image);
  });

  test('gives every instance the same sale and settings, the SPEC defaults where unset', () => {
    for (const name of INSTANCES) {
      expect(service(name).environment).toMatchObject({
        ...SPEC_DEFAULTS,
        ...GIVEN,
        HOST: '0.0.0.0',
        PORT: '3000',
        REDIS_URL: 'redis://redis:6379',
        TRUST_PROXY: '1',
      });
    }
    expect(service('waiting-room').environment).toMatchObject(SECRETS);
    expect(service('checkout').environment?.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\/\w+$/);
  });

  test('keeps the private key and the secrets out of checkout', () => {
    const keys = mountsOf(service('keys'));
    const privateVolume = keys.find((mount) => mount.target === '/keys/private')?.source;
    expect(privateVolume).toBeDefined();
    expect(mountsOf(service('waiting-room'))).toContainEqual({ source: privateVolume, target: '/keys/private', readOnly: true });
    expect(mountsOf(service('checkout')).map((mount) => mount.source)).not.toContain(privateVolume);
    expect(mountsOf(service('checkout'))).toContainEqual({ source: 'keys-public', target: '/keys/public', readOnly: true });
    const checkoutEnv = Object.keys(service('checkout').environment ?? {});
    for (const secret of ['JWT_PRIVATE_KEY', 'JWT_PRIVATE_KEY_FILE', 'ADMIN_TOKEN', 'QUEUE_TOKEN_SECRET'])
      expect(checkoutEnv).not.toContain(secret);
  });

  test('runs Redis with its append-only file fsynced on every write', () => {
    expect(service('redis').command?.join(' ')).toMatch(/--appendonly yes --appendfsync always/);
    expect(mountsOf(service('redis'))).toContainEqual({ source: 'redis-data', target: '/data', readOnly: false });
  });

  test('health-checks every long-running service and starts each after what it needs', () => {
    for (const name of ['redis', 'postgres', 'waiting-room', 'checkout', 'lb']) {
      const check = service(name).healthcheck;
      expect(check?.disable).not.toBe(true);
      expect(check?.test?.[0]).toMatch(/^CMD/);
    }
    // The instances' check is their readiness, which turns false while draining.
    for (const name of INSTANCES) expect(service(name).healthcheck?.test?.join(' ')).toContain('/readyz');
    const healthy = { condition: 'service_healthy' };
    const keysDone = { condition: 'service_completed_successfully' };
    expect(service('waiting-room').depends_on).toEqual({ keys: keysDone, redis: healthy });
    expect(service('checkout').depends_on).toEqual({ keys: keysDone, redis: healthy, postgres: healthy });
    expect(service('lb').depends_on).toEqual({ 'waiting-room': healthy, checkout: healthy });
  });

  test('publishes only the load balancer, with deploy/haproxy.cfg mounted read-only', () => {
    const lb = service('lb');
    expect(lb.image).toMatch(/^haproxy:/);
    expect(portsOf(lb)).toContainEqual({ published: '8080', target: '80' });
    expect(mountsOf(lb)).toContainEqual({
      source: path.join(ROOT, 'deploy', 'haproxy.cfg'),
      target: '/usr/local/etc/haproxy/haproxy.cfg',
      readOnly: true,
    });
    for (const name of ['redis', 'postgres', 'keys', ...INSTANCES]) expect(service(name).ports).toBeUndefined();
  });

  test('the key job makes an RSA 2048 pair once, and each service loads what compose gives it', () => {
    const script = service('keys').command?.[2] ?? '';
    expect(service('keys').command?.slice(0, 2)).toEqual(['node', '-e']);
    const dir = mkdtempSync(path.join(tmpdir(), 'compose-keys-'));
    try {
      mkdirSync(path.join(dir, 'private'));
      mkdirSync(path.join(dir, 'public'));
      // The volumes' mount points, here on this machine.
      const local = script.replaceAll('/keys/', `${dir}/`);
      expect(execFileSync(process.execPath, ['-e', local]).toString()).toMatch(/generated an RSA 2048 key pair/);
      const privatePem = readFileSync(path.join(dir, 'private', 'jwt-private.pem'), 'utf8');
      expect(execFileSync(process.execPath, ['-e', local]).toString()).toMatch(/keeping the existing pair/);
      expect(readFileSync(path.join(dir, 'private', 'jwt-private.pem'), 'utf8')).toBe(privatePem);
      expect(statSync(path.join(dir, 'private', 'jwt-private.pem')).mode & 0o777).toBe(0o600);

      const envOf = (name: string): Record<string, string> =>
        Object.fromEntries(
          Object.entries(service(name).environment ?? {}).map(([key, value]) => [key, value.replace(/^\/keys\//, `${dir}/`)]),
        );
      const waitingRoom = loadConfig(envOf('waiting-room'), 'waiting-room');
      expect(waitingRoom.keys.privateKey?.asymmetricKeyDetails?.modulusLength).toBe(2048);
      const checkout = loadConfig(envOf('checkout'), 'checkout');
      expect(checkout.keys.privateKey).toBeNull();
      expect(checkout.keys.publicKeys).toHaveLength(1);
      const signing = waitingRoom.keys.privateKey;
      const verifying = checkout.keys.publicKeys[0];
      if (signing === null || verifying === undefined) throw new Error('a key is missing');
      const pem = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }).toString();
      expect(pem(verifying)).toBe(pem(createPublicKey(signing)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('haproxy accepts deploy/haproxy.cfg, without a warning', async () => {
    const result = await runTool(findTool('haproxy'), ['-c', '-f', 'deploy/haproxy.cfg'], toolEnv({}));
    expect(result.stdout + result.stderr).toContain('Configuration file is valid');
    expect(result.stdout + result.stderr).not.toMatch(/\[(WARNING|ALERT)\]/);
    expect(result.code).toBe(0);
  });

  test('the load balancer routes purchases to checkout and the rest to sticky, health-checked waiting rooms', () => {
    const cfg = haproxySections(readFileSync(path.join(ROOT, 'deploy', 'haproxy.cfg'), 'utf8'));
    const section = (name: string): string[] => cfg.get(name) ?? [];
    expect(section('frontend public')).toEqual(
      expect.arrayContaining([
        'bind :80',
        'option forwardfor',
        'http-request deny deny_status 404 if { path_beg /metrics }',
        'use_backend checkout if { path_beg /api/purchase }',
        'default_backend waiting-room',
      ]),
    );
    expect(section('resolvers docker')).toContainEqual(expect.stringMatching(/^nameserver \S+ 127\.0\.0\.11:53$/));
    expect(section('defaults')).toContainEqual(expect.stringMatching(/^timeout tunnel \d+[smh]$/));
    // Socket.IO's long-polling needs every request of a session on one instance; checkout does not.
    expect(section('backend waiting-room')).toContainEqual(expect.stringMatching(/^cookie \S+ insert indirect nocache\b/));
    expect(section('backend checkout').filter((line) => line.startsWith('cookie '))).toEqual([]);

    const port = service('waiting-room').environment?.PORT;
    for (const backend of INSTANCES) {
      const lines = section(`backend ${backend}`);
      expect(lines).toEqual(
        expect.arrayContaining(['option httpchk', 'http-check send meth GET uri /readyz', 'http-check expect status 200']),
      );
      // One slot per replica, filled from Docker's DNS: the compose service's name and port.
      const template = lines.find((line) => line.startsWith('server-template '))?.split(' ') ?? [];
      expect(template[3]).toBe(`${backend}:${port}`);
      expect(Number(template[2])).toBeGreaterThanOrEqual(4);
      expect(template).toEqual(expect.arrayContaining(['check', 'resolvers', 'docker', 'init-addr', 'none']));
    }
  });
});
