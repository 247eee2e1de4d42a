import { randomBytes, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { compile as compileProxyList } from 'proxy-addr';
import { z } from 'zod';
import type { Product } from './contract/wire';
import { generateSigningKeys, parseIdentityKey, parsePrivateKey, parsePublicKeys, type SigningKeys } from './tokens/keys';

/** Which process is starting: both services in one, or one service of a split deployment. */
export type ProcessMode = 'all-in-one' | 'waiting-room' | 'checkout';

export interface SaleDefinition {
  saleId: string;
  stock: number;
  /** Epoch milliseconds. The window is half-open: [startsAt, endsAt). */
  startsAt: number;
  endsAt: number;
  queueOpensAt: number;
}

export interface AdmissionSettings {
  prequeueOrder: 'random' | 'fifo';
  ratePerMinute: number;
  tokenTtlSeconds: number;
  /** null means "as many as the remaining stock allows". */
  maxActive: number | null;
  overbook: number;
  presenceGraceSeconds: number;
  idleTimeoutSeconds: number;
  /** The join's proof of work at the start (ALTCHA maxnumber); 0: off. The operator changes it live. */
  challengeMaxNumber: number;
}

/** Who may take a place: the cap per network, and the shop's signed identities. */
export interface JoinPolicy {
  /** Places one network (IPv4 /24, IPv6 /64) may take in the sale; 0: no cap. */
  maxPlacesPerNetwork: number;
  /** The shop's key for identity tokens; null: shoppers name themselves. */
  identity: { key: KeyObject; issuer: string | null } | null;
}

/** Variables whose values are never repeated in an error message. */
const SECRETS = new Set(['ADMIN_TOKEN', 'QUEUE_TOKEN_SECRET']);

/** What every process reads, whatever its mode. */
interface CommonConfig {
  sale: SaleDefinition;
  /** What is on sale, as GET /api/sale and the shopper page show it. */
  product: Product;
  admission: AdmissionSettings;
  /** REDIS_URL names one node of a Redis Cluster, from which the client learns the rest. */
  redisCluster: boolean;
  databaseUrl: string | null;
  rateLimitPerMinute: number;
  port: number;
  host: string;
  /** Express's "trust proxy": whose X-Forwarded-For to believe, so per-IP limits see the shopper behind a load balancer. */
  trustProxy: boolean | number | string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** What the waiting room needs to sign and guard: both secrets, the private key, and who may join. */
interface WaitingRoomSecrets {
  adminToken: string;
  queueTokenSecret: string;
  keys: SigningKeys & { privateKey: KeyObject };
  join: JoinPolicy;
}

/** Both services in one process: the embedded store without REDIS_URL, and unset secrets generated. */
export interface AllInOneConfig extends CommonConfig, WaitingRoomSecrets {
  mode: 'all-in-one';
  redisUrl: string | null;
  /** Which secrets were generated at start because they were unset. */
  generated: { adminToken: boolean; queueTokenSecret: boolean; keys: boolean };
}

/** One waiting-room instance of a split deployment: Redis and every secret required. */
export interface WaitingRoomConfig extends CommonConfig, WaitingRoomSecrets {
  mode: 'waiting-room';
  redisUrl: string;
}

/** One checkout instance of a split deployment: Redis and public keys only; it holds no secret. */
export interface CheckoutConfig extends CommonConfig {
  mode: 'checkout';
  redisUrl: string;
  keys: SigningKeys;
}

export type Config = AllInOneConfig | WaitingRoomConfig | CheckoutConfig;
export type ConfigFor<M extends ProcessMode> = Extract<Config, { mode: M }>;

/** Invalid configuration. Its message names the variable, and start-up prints it and stops. */
export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const DEFAULT_START_DELAY_MS = 60_000;
/** About 40 s of hashing on a phone: anything above is no longer a queue anyone would wait in. */
export const MAX_CHALLENGE_NUMBER = 10_000_000;
const DEFAULT_SALE_LENGTH_MS = 60 * 60_000;

/**
 * Reads and validates every variable of the SPEC's configuration table, once, at start.
 * `now` is the boot time that the relative defaults (start, queue opening) count from.
 */
export function loadConfig<M extends ProcessMode>(env: Env, mode: M, now: number = Date.now()): ConfigFor<M> {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const parse = <T>(name: string, schema: z.ZodType<T>, fallback: T): T => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const result = schema.safeParse(raw);
    // A secret's value never reaches the message: start-up errors end up in logs.
    const shown = SECRETS.has(name) ? `${raw.length} characters` : `"${raw}"`;
    if (!result.success) throw new ConfigError(name, `${result.error.issues[0]?.message ?? 'is invalid'} (got ${shown})`);
    return result.data;
  };

  const startsAt = parse('SALE_STARTS_AT', isoInstant, now + DEFAULT_START_DELAY_MS);
  const endsAt = parse('SALE_ENDS_AT', isoInstant, startsAt + DEFAULT_SALE_LENGTH_MS);
  if (endsAt <= startsAt) throw new ConfigError('SALE_ENDS_AT', 'must be after SALE_STARTS_AT');
  const queueOpensAt = parse('QUEUE_OPENS_AT', isoInstant, Math.min(now, startsAt));
  if (queueOpensAt > startsAt) throw new ConfigError('QUEUE_OPENS_AT', 'must not be after SALE_STARTS_AT');

  const sale: SaleDefinition = {
    saleId: parse('SALE_ID', saleIdSchema, 'launch'),
    stock: parse('SALE_STOCK', count, 100),
    startsAt,
    endsAt,
    queueOpensAt,
  };

  const admission: AdmissionSettings = {
    prequeueOrder: parse('PREQUEUE_ORDER', z.enum(['random', 'fifo'], { error: 'must be "random" or "fifo"' }), 'random'),
    ratePerMinute: parse('ADMISSION_RATE_PER_MINUTE', count, 600),
    tokenTtlSeconds: parse('ADMISSION_TOKEN_TTL_SECONDS', positiveCount, 120),
    maxActive: parse<number | null>('MAX_ACTIVE_ADMISSIONS', count, null),
    overbook: parse(
      'OVERBOOK',
      z.coerce.number({ error: 'must be a number' }).min(1, 'must be 1 or more').max(100, 'must be at most 100'),
      1,
    ),
    presenceGraceSeconds: parse('PRESENCE_GRACE_SECONDS', positiveCount, 30),
    idleTimeoutSeconds: parse('QUEUE_IDLE_TIMEOUT_SECONDS', positiveCount, 600),
    challengeMaxNumber: parse(
      'JOIN_CHALLENGE_MAX_NUMBER',
      count.max(MAX_CHALLENGE_NUMBER, `must be at most ${MAX_CHALLENGE_NUMBER}`),
      100_000,
    ),
  };

  const redisUrl = parse<string | null>('REDIS_URL', url(['redis:', 'rediss:']), null);
  const redisCluster = parse('REDIS_CLUSTER', flag, false);
  if (redisCluster && redisUrl === null) throw new ConfigError('REDIS_CLUSTER', 'needs REDIS_URL to name one node of the cluster');
  const databaseUrl = parse<string | null>('DATABASE_URL', url(['postgres:', 'postgresql:']), null);
  const split = mode !== 'all-in-one';
  if (split && redisUrl === null) throw new ConfigError('REDIS_URL', `is required for the ${mode} service (split mode needs Redis)`);

  const adminTokenValue = parse<string | null>('ADMIN_TOKEN', z.string().min(16, 'must be at least 16 characters'), null);
  const queueSecretValue = parse<string | null>('QUEUE_TOKEN_SECRET', z.string().min(32, 'must be at least 32 characters'), null);
  if (mode === 'waiting-room' && queueSecretValue === null)
    throw new ConfigError('QUEUE_TOKEN_SECRET', 'is required for the waiting-room service');
  if (mode === 'waiting-room' && adminTokenValue === null) throw new ConfigError('ADMIN_TOKEN', 'is required for the waiting-room service');

  const loaded = loadKeys(read, mode);
  const identityPem = readPem(read, 'IDENTITY_PUBLIC_KEY');
  const join: JoinPolicy = {
    maxPlacesPerNetwork: parse('MAX_PLACES_PER_NETWORK', count, 50),
    identity:
      identityPem === undefined
        ? null
        : { key: withConfigError('IDENTITY_PUBLIC_KEY', () => parseIdentityKey(identityPem)), issuer: read('IDENTITY_ISSUER') ?? null },
  };
  const price = parse<string | null>('PRODUCT_PRICE', z.string().max(40, 'must be at most 40 characters'), null);
  const imageUrl = parse<string | null>('PRODUCT_IMAGE_URL', url(['https:', 'http:']), null);
  const product: Product = {
    name: parse('PRODUCT_NAME', z.string().max(120, 'must be at most 120 characters'), 'Limited edition'),
    ...(price !== null && { price }),
    ...(imageUrl !== null && { imageUrl }),
  };
  const common: CommonConfig = {
    sale,
    product,
    admission,
    redisCluster,
    databaseUrl,
    rateLimitPerMinute: parse('RATE_LIMIT_PER_MINUTE', count, 300),
    port: parse('PORT', z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65535, 'must be a port number'), 3000),
    host: parse('HOST', z.string(), '127.0.0.1'),
    trustProxy: parse<boolean | number | string>('TRUST_PROXY', trustProxy, false),
    logLevel: parse(
      'LOG_LEVEL',
      z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be a pino level' }),
      'info',
    ),
  };
  // A split mode without REDIS_URL was refused above.
  const config = ((): Config => {
    if (mode === 'checkout') return { ...common, mode, redisUrl: redisUrl as string, keys: loaded.keys };
    const { privateKey, publicKeys } = loaded.keys;
    // loadKeys refuses a waiting room without the private key, and all-in-one generates one.
    if (privateKey === null) throw new ConfigError('JWT_PRIVATE_KEY', `is required for the ${mode} service`);
    const secrets: WaitingRoomSecrets = {
      adminToken: adminTokenValue ?? randomBytes(24).toString('base64url'),
      queueTokenSecret: queueSecretValue ?? randomBytes(32).toString('base64url'),
      keys: { privateKey, publicKeys },
      join,
    };
    if (mode === 'waiting-room') return { ...common, ...secrets, mode, redisUrl: redisUrl as string };
    const generated = { adminToken: adminTokenValue === null, queueTokenSecret: queueSecretValue === null, keys: loaded.generated };
    return { ...common, ...secrets, mode: 'all-in-one', redisUrl, generated };
  })();
  return config as ConfigFor<M>;
}

/**
 * The admission-token keys. Signing needs the private key (the waiting room); verifying needs only
 * public keys (checkout), so a checkout instance is never given the private key. Several public
 * keys may be given as concatenated PEM blocks, which is how a key rotation overlaps.
 */
function loadKeys(read: (name: string) => string | undefined, mode: ProcessMode): { keys: SigningKeys; generated: boolean } {
  const privatePem = readPem(read, 'JWT_PRIVATE_KEY');
  const publicPem = readPem(read, 'JWT_PUBLIC_KEY');

  if (privatePem === undefined && publicPem === undefined) {
    if (mode === 'waiting-room')
      throw new ConfigError('JWT_PRIVATE_KEY', 'is required for the waiting-room service (or JWT_PRIVATE_KEY_FILE)');
    if (mode === 'checkout') throw new ConfigError('JWT_PUBLIC_KEY', 'is required for the checkout service (or JWT_PUBLIC_KEY_FILE)');
    return { keys: generateSigningKeys(), generated: true };
  }
  if (mode === 'waiting-room' && privatePem === undefined)
    throw new ConfigError('JWT_PRIVATE_KEY', 'is required for the waiting-room service');
  if (mode === 'checkout' && privatePem !== undefined)
    throw new ConfigError('JWT_PRIVATE_KEY', 'must not be given to the checkout service: it only verifies');

  const privateKey = privatePem === undefined ? null : withConfigError('JWT_PRIVATE_KEY', () => parsePrivateKey(privatePem));
  const extraPublic = publicPem === undefined ? [] : withConfigError('JWT_PUBLIC_KEY', () => parsePublicKeys(publicPem));
  if (privateKey === null && extraPublic.length === 0) throw new ConfigError('JWT_PUBLIC_KEY', 'holds no public key');
  return { keys: { privateKey, publicKeys: extraPublic }, generated: false };
}

/** A PEM given inline (NAME) or as a file (NAME_FILE), not both. */
function readPem(read: (name: string) => string | undefined, name: string): string | undefined {
  const inline = read(name);
  const file = read(`${name}_FILE`);
  if (inline !== undefined && file !== undefined) throw new ConfigError(name, `and ${name}_FILE are both set; set one`);
  if (file === undefined) return inline;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(`${name}_FILE`, `names a file that cannot be read (${file})`);
  }
}

function withConfigError<T>(variable: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    throw new ConfigError(variable, `is not a usable key: ${(error as Error).message}`);
  }
}

const count = z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must not be negative');
const positiveCount = count.min(1, 'must be at least 1');
const flag = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1');

/**
 * A hop count ("1": the load balancer in front), or a comma-separated list of the proxies'
 * addresses or subnets, or Express's names for them (loopback, linklocal, uniquelocal).
 */
const trustProxy = z
  .string()
  .transform((value) => (/^\d+$/.test(value) ? Number(value) : value))
  .refine(
    (value) => typeof value === 'number' || compilesAsProxyList(value),
    'must be a hop count, or a comma-separated list of addresses, subnets or loopback/linklocal/uniquelocal',
  );

/** Checked with the parser Express itself applies to the setting, so what starts is what it trusts. */
function compilesAsProxyList(value: string): boolean {
  try {
    compileProxyList(value.split(',').map((entry) => entry.trim()));
    return true;
  } catch {
    return false;
  }
}

const saleIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "-" or "_"');

/** ISO-8601 instants with a date and a time zone, so every instance reads the same moment. */
export const isoInstant = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/,
    'must be an ISO-8601 instant such as 2026-12-01T09:00:00Z',
  )
  .transform((value, ctx) => {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: 'is not a real date' });
      return z.NEVER;
    }
    return ms;
  });

function url(protocols: string[]): z.ZodType<string> {
  return z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  );
}
