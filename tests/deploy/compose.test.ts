import { execFile, execFileSync } from 'node:child_process';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadConfig, type SaleDefinition } from '@flashsale/common';
import {
  activeSale,
  CHECKOUT_ENTRY,
  checkoutProcessEnv,
  join,
  purchase,
  saleProcessEnv,
  signAdmission,
  startService,
  testKeys,
  usePostgresCluster,
  useRedisServer,
  WAITING_ROOM_ENTRY,
  type RunningProcess,
} from '../kit';

/**
 * The split deployment, checked without a Docker engine: docker-compose.yml through the real
 * `docker-compose config` (interpolation, schema, defaults), deploy/haproxy.cfg through
 * `haproxy -c`, and the monitoring profile's deploy/prometheus/prometheus.yml through `promtool`.
 * The tools come from scripts/ensure-test-deps.sh.
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
  ports?: (string | { host_ip?: string; published?: number | string; target: number })[];
  deploy?: { replicas?: number };
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  container_name?: string;
  profiles?: string[];
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

function composeConfig(extra: Record<string, string>, profiles: string[] = []): Promise<ToolResult> {
  const enable = profiles.flatMap((profile) => ['--profile', profile]);
  return runTool(findTool('docker-compose'), ['-f', 'docker-compose.yml', ...enable, 'config'], toolEnv(extra));
}

/**
 * The services `docker compose up` starts with these profiles enabled: those with no profile, and
 * those with one of them. docker-compose 1.x's `config` lists every service with its profiles;
 * 2.x leaves the disabled ones out. Either way, this is what would run.
 */
function startedServices(file: ComposeFile, profiles: string[]): string[] {
  return Object.entries(file.services)
    .filter(([, service]) => service.profiles === undefined || service.profiles.some((profile) => profiles.includes(profile)))
    .map(([name]) => name)
    .sort();
}

function serviceOf(file: ComposeFile, name: string): ComposeService {
  const found = file.services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
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

/** Each published port: the host address it binds ('' for every address), the host port, the container port. */
function portsOf(service: ComposeService): { host: string; published: string; target: string }[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port !== 'string') return { host: port.host_ip ?? '', published: String(port.published ?? ''), target: String(port.target) };
    const parts = port.replace(/\/\w+$/, '').split(':');
    return { host: parts.length > 2 ? (parts[0] ?? '') : '', published: parts.at(-2) ?? '', target: parts.at(-1) ?? '' };
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
  const service = (name: string): ComposeService => serviceOf(compose, name);

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
    expect(startedServices(compose, [])).toEqual(['checkout', 'keys', 'lb', 'postgres', 'redis', 'waiting-room']);
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
    // The waiting room reads the same ledger, for the operator's orders.csv.
    expect(service('waiting-room').environment?.DATABASE_URL).toBe(service('checkout').environment?.DATABASE_URL);
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
    expect(service('waiting-room').depends_on).toEqual({ keys: keysDone, redis: healthy, postgres: healthy });
    expect(service('checkout').depends_on).toEqual({ keys: keysDone, redis: healthy, postgres: healthy });
    expect(service('lb').depends_on).toEqual({ 'waiting-room': healthy, checkout: healthy });
  });

  test('publishes only the load balancer, with deploy/haproxy.cfg mounted read-only', () => {
    const lb = service('lb');
    expect(lb.image).toMatch(/^haproxy:/);
    expect(portsOf(lb)).toContainEqual({ host: '', published: '8080', target: '80' });
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

const MONITORING = ['prometheus', 'grafana'] as const;
const PROMETHEUS_CONFIG = path.join(ROOT, 'deploy', 'prometheus', 'prometheus.yml');
const GRAFANA = path.join(ROOT, 'deploy', 'grafana');
const DASHBOARD = path.join(GRAFANA, 'dashboards', 'flash-sale.json');

interface ScrapeJob {
  job_name: string;
  dns_sd_configs?: { names: string[]; type: string; port: number }[];
  static_configs?: { targets: string[]; labels?: Record<string, string> }[];
  relabel_configs?: { target_label?: string; replacement?: string; source_labels?: string[] }[];
}

interface PrometheusConfig {
  global: { scrape_interval: string };
  scrape_configs: ScrapeJob[];
}

interface DashboardTarget {
  expr: string;
  legendFormat?: string;
  datasource?: { type: string; uid: string };
}

interface DashboardPanel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: DashboardTarget[];
}

interface Dashboard {
  uid: string;
  title: string;
  templating: { list: { name: string; type: string; query: string }[] };
  panels: DashboardPanel[];
}

const prometheusConfig = () => parseYaml(readFileSync(PROMETHEUS_CONFIG, 'utf8')) as PrometheusConfig;
const dashboard = () => JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
const queries = (board: Dashboard): DashboardTarget[] => board.panels.flatMap((panel) => panel.targets ?? []);

/** Labels Prometheus puts on every scraped sample: its own two, and those its scrape jobs set. */
function targetLabels(config: PrometheusConfig): Map<string, Set<string>> {
  const labels = new Map<string, Set<string>>([
    ['job', new Set(config.scrape_configs.map((job) => job.job_name))],
    ['instance', new Set<string>()],
  ]);
  const add = (label: string, value: string) => labels.set(label, (labels.get(label) ?? new Set()).add(value));
  for (const job of config.scrape_configs) {
    for (const rule of job.relabel_configs ?? []) if (rule.target_label !== undefined) add(rule.target_label, rule.replacement ?? '');
    for (const group of job.static_configs ?? []) for (const [label, value] of Object.entries(group.labels ?? {})) add(label, value);
  }
  return labels;
}

/** Series Prometheus makes itself, for every target, beside what the target exposes. */
const PROMETHEUS_MADE = ['up'];

interface QueryParts {
  metrics: string[];
  labels: string[];
  matchers: { label: string; op: string; value: string }[];
}

/**
 * The metric names, label names and label matchers of a PromQL expression. Enough PromQL for the
 * dashboard's queries: selectors, `[range]`, `by (...)` and the like, functions, numbers; and
 * Grafana's `$__range` style variables, which stand where a duration goes.
 */
function queryParts(expr: string): QueryParts {
  const labels: string[] = [];
  const matchers: QueryParts['matchers'] = [];
  let rest = expr.replace(/\$__\w+/g, '1m');
  rest = rest.replace(/\{([^}]*)\}/g, (_, inside: string) => {
    for (const [, label = '', op = '', value = ''] of inside.matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)) {
      labels.push(label);
      matchers.push({ label, op, value });
    }
    return ' ';
  });
  rest = rest.replace(/\[[^\]]*\]/g, ' ').replace(/"(?:[^"\\]|\\.)*"/g, ' ');
  rest = rest.replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_, inside: string) => {
    labels.push(
      ...inside
        .split(',')
        .map((label) => label.trim())
        .filter((label) => label !== ''),
    );
    return ' ';
  });
  rest = rest.replace(/\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, ' ');
  const keywords = new Set(['and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan']);
  const metrics = [...rest.matchAll(/([A-Za-z_:][\w:]*)\s*(\()?/g)]
    .filter(([, name = '', call]) => call === undefined && !keywords.has(name.toLowerCase()))
    .map(([, name = '']) => name);
  return { metrics, labels, matchers };
}

/** Every sample name in a Prometheus text exposition, and each label's values. */
function readExposition(text: string, names: Set<string>, labelValues: Map<string, Set<string>>): void {
  for (const line of text.split('\n')) {
    const sample = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s/.exec(line);
    if (sample === null) continue;
    names.add(sample[1] ?? '');
    for (const [, label = '', value = ''] of (sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labelValues.set(label, (labelValues.get(label) ?? new Set()).add(value));
    }
  }
}

describe('the monitoring profile: Prometheus and Grafana beside the stack', () => {
  let withProfile: ComposeFile;
  let withoutProfile: ComposeFile;
  let noGrafanaPassword: ComposeFile;
  const service = (name: string): ComposeService => serviceOf(withProfile, name);

  beforeAll(async () => {
    const results = await Promise.all([
      composeConfig({ ...SECRETS, GRAFANA_ADMIN_PASSWORD: 'grafana-password-for-the-test' }, ['monitoring']),
      composeConfig(SECRETS),
      composeConfig(SECRETS, ['monitoring']),
    ]);
    for (const result of results) expect(result).toMatchObject({ code: 0 });
    [withProfile, withoutProfile, noGrafanaPassword] = results.map((result) => parseYaml(result.stdout) as ComposeFile) as [
      ComposeFile,
      ComposeFile,
      ComposeFile,
    ];
  });

  test('starts prometheus and grafana with --profile monitoring only, and leaves the default stack as it was', () => {
    const stack = ['checkout', 'keys', 'lb', 'postgres', 'redis', 'waiting-room'];
    expect(startedServices(withProfile, ['monitoring'])).toEqual([...stack, ...MONITORING].sort());
    expect(startedServices(withoutProfile, [])).toEqual(stack);
    for (const name of MONITORING) expect(service(name).profiles).toEqual(['monitoring']);
    // Nothing in the default stack waits for, or needs, a monitoring service.
    for (const name of stack) for (const monitor of MONITORING) expect(Object.keys(service(name).depends_on ?? {})).not.toContain(monitor);
    for (const name of MONITORING) {
      expect(portsOf(service(name)).length).toBeGreaterThan(0);
      for (const port of portsOf(service(name))) expect(port.host).toBe('127.0.0.1');
    }
  });

  test('Prometheus runs its image on deploy/prometheus/prometheus.yml, mounted read-only', () => {
    const prometheus = service('prometheus');
    expect(prometheus.image).toMatch(/^prom\/prometheus:v\d/);
    expect(mountsOf(prometheus)).toContainEqual({ source: PROMETHEUS_CONFIG, target: '/etc/prometheus/prometheus.yml', readOnly: true });
    expect(mountsOf(prometheus)).toContainEqual({ source: 'prometheus-data', target: '/prometheus', readOnly: false });
    expect(portsOf(prometheus)).toEqual([{ host: '127.0.0.1', published: '9090', target: '9090' }]);
  });

  test('Prometheus scrapes every replica of both services through Docker DNS, and the load balancer, every 5 s', () => {
    const config = prometheusConfig();
    expect(config.global.scrape_interval).toBe('5s');
    const port = Number(service('waiting-room').environment?.PORT);
    for (const name of INSTANCES) {
      const job = config.scrape_configs.find((candidate) => candidate.job_name === name);
      // Type A: one record per running replica, as the load balancer finds them (haproxy.cfg).
      expect(job?.dns_sd_configs).toEqual([expect.objectContaining({ names: [name], type: 'A', port })]);
      expect(job?.relabel_configs).toContainEqual({ target_label: 'service', replacement: name });
    }
    // HAProxy's exporter: the stats frontend's port, where haproxy.cfg serves /metrics.
    const stats = haproxySections(readFileSync(path.join(ROOT, 'deploy', 'haproxy.cfg'), 'utf8')).get('frontend stats') ?? [];
    expect(stats).toContain('http-request use-service prometheus-exporter if { path /metrics }');
    const statsPort = stats.find((line) => line.startsWith('bind '))?.split(':')[1];
    const lb = config.scrape_configs.find((candidate) => candidate.job_name === 'lb');
    expect(lb?.static_configs).toEqual([{ targets: [`lb:${statsPort}`], labels: { service: 'lb' } }]);
  });

  test('promtool accepts deploy/prometheus/prometheus.yml', async () => {
    const result = await runTool(findTool('promtool'), ['check', 'config', PROMETHEUS_CONFIG], toolEnv({}));
    expect(result.stdout + result.stderr).toMatch(/SUCCESS/);
    expect(result.code).toBe(0);
  });

  test('Grafana has that Prometheus as its data source and the dashboard provisioned, read-only, for viewers without a login', () => {
    const grafana = service('grafana');
    expect(grafana.image).toMatch(/^grafana\/grafana:\d/);
    expect(grafana.depends_on).toEqual({ prometheus: { condition: 'service_started' } });
    expect(portsOf(grafana)).toEqual([{ host: '127.0.0.1', published: '3001', target: '3000' }]);
    expect(grafana.environment).toMatchObject({
      GF_SECURITY_ADMIN_PASSWORD: 'grafana-password-for-the-test',
      GF_AUTH_ANONYMOUS_ENABLED: 'true',
      GF_AUTH_ANONYMOUS_ORG_ROLE: 'Viewer',
    });
    expect(serviceOf(noGrafanaPassword, 'grafana').environment?.GF_SECURITY_ADMIN_PASSWORD).toBe('admin');
    const mounts = mountsOf(grafana);
    expect(mounts).toContainEqual({ source: path.join(GRAFANA, 'provisioning'), target: '/etc/grafana/provisioning', readOnly: true });

    const datasources = parseYaml(readFileSync(path.join(GRAFANA, 'provisioning', 'datasources', 'prometheus.yml'), 'utf8')) as {
      datasources: { type: string; url: string; isDefault: boolean }[];
    };
    const prometheusPort = portsOf(service('prometheus'))[0]?.target;
    expect(datasources.datasources).toEqual([
      expect.objectContaining({ type: 'prometheus', url: `http://prometheus:${prometheusPort}`, isDefault: true }),
    ]);
    // The provider reads the directory the dashboards are mounted at, and the home page is one of them.
    const providers = parseYaml(readFileSync(path.join(GRAFANA, 'provisioning', 'dashboards', 'flash-sale.yml'), 'utf8')) as {
      providers: { type: string; options: { path: string } }[];
    };
    const dashboardsAt = providers.providers[0]?.options.path;
    expect(providers.providers).toEqual([expect.objectContaining({ type: 'file' })]);
    expect(mounts).toContainEqual({ source: path.dirname(DASHBOARD), target: dashboardsAt, readOnly: true });
    expect(grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(`${dashboardsAt}/${path.basename(DASHBOARD)}`);
  });

  test('the dashboard parses, and every panel queries the Prometheus chosen by its data source variable', () => {
    const board = dashboard();
    expect(board).toMatchObject({ uid: 'flash-sale', title: 'Flash sale' });
    expect(board.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
    const charts = board.panels.filter((panel) => panel.type !== 'row');
    expect(charts.length).toBeGreaterThanOrEqual(12);
    for (const panel of charts) {
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.datasource).toEqual(panel.datasource);
        // Each names at least one series, so the check of their names below has something to check.
        expect({ panel: panel.title, namesASeries: queryParts(target.expr).metrics.length > 0 }).toEqual({
          panel: panel.title,
          namesASeries: true,
        });
      }
    }
  });

  test('every dashboard query is PromQL that Prometheus parses (promtool check rules)', async () => {
    const rules = {
      groups: [
        {
          name: 'dashboard',
          rules: queries(dashboard()).map((target, i) => ({ record: `dashboard:query_${i}`, expr: target.expr.replace(/\$__\w+/g, '5m') })),
        },
      ],
    };
    const dir = mkdtempSync(path.join(tmpdir(), 'dashboard-rules-'));
    try {
      const file = path.join(dir, 'rules.yml');
      writeFileSync(file, JSON.stringify(rules));
      const result = await runTool(findTool('promtool'), ['check', 'rules', file], toolEnv({}));
      expect(result.stdout + result.stderr).toMatch(new RegExp(`SUCCESS: ${rules.groups[0]?.rules.length} rules found`));
      expect(result.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('against the processes compose runs', () => {
    const redisServer = useRedisServer();
    const postgres = usePostgresCluster();

    test('every metric, label and label value the dashboard queries is one the waiting-room and checkout processes expose', async () => {
      const sale: SaleDefinition = activeSale({ stock: 5 });
      const signingKey = testKeys().privateKey;
      if (!signingKey) throw new Error('the test keys cannot sign');
      const env = saleProcessEnv(sale, redisServer().url, signingKey, { DATABASE_URL: postgres().url });
      const processes: RunningProcess[] = [];
      const names = new Set<string>(PROMETHEUS_MADE);
      const labelValues = targetLabels(prometheusConfig());
      try {
        // The built entry points of compose's two commands: checkout with its ledger writer, the waiting room reading it.
        processes.push(
          ...(await Promise.all([
            startService(WAITING_ROOM_ENTRY, env),
            startService(CHECKOUT_ENTRY, checkoutProcessEnv(env, signingKey)),
          ])),
        );
        const [waitingRoom, checkout] = processes as [RunningProcess, RunningProcess];
        // A join and a purchase, so that labelled series (the purchase's outcome) exist.
        expect((await join(waitingRoom.url, 'shopper-1')).status).toBe(202);
        expect((await purchase(checkout.url, signAdmission('shopper-1', sale.saleId, { now: Date.now() }))).status).toBe(201);
        for (const running of processes) readExposition(await (await fetch(`${running.url}/metrics`)).text(), names, labelValues);
      } finally {
        await Promise.all(processes.map((running) => running.stop()));
      }

      const wrong: string[] = [];
      for (const { expr, legendFormat = '' } of queries(dashboard())) {
        const parts = queryParts(expr);
        for (const metric of parts.metrics) if (!names.has(metric)) wrong.push(`${metric} (in ${expr})`);
        const legendLabels = [...legendFormat.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map(([, label = '']) => label);
        for (const label of [...parts.labels, ...legendLabels]) if (!labelValues.has(label)) wrong.push(`label ${label} (in ${expr})`);
        for (const { label, op, value } of parts.matchers) {
          const wanted = op === '=' ? [value] : op === '=~' ? value.split('|') : [];
          for (const one of wanted) if (!labelValues.get(label)?.has(one)) wrong.push(`${label}="${one}" (in ${expr})`);
        }
      }
      expect(wrong).toEqual([]);
    });
  });
});
