import { createPublicKey } from 'node:crypto';
import { ConfigError, loadConfig, type ProcessMode } from '@flashsale/common';
import { generateKey } from '../kit';

const BOOT = Date.parse('2030-01-01T12:00:00Z');
const load = <M extends ProcessMode = 'all-in-one'>(env: Record<string, string>, mode: M = 'all-in-one' as M) =>
  loadConfig(env, mode, BOOT);
const rsa = generateKey('rsa');
const privatePem = rsa.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicPem = createPublicKey(rsa).export({ type: 'spki', format: 'pem' }).toString();

describe('configuration', () => {
  test('has the SPEC defaults', () => {
    const config = load({});
    expect(config.sale).toEqual({
      saleId: 'launch',
      stock: 100,
      startsAt: BOOT + 60_000,
      endsAt: BOOT + 60_000 + 3_600_000,
      queueOpensAt: BOOT,
    });
    expect(config.admission).toEqual({
      prequeueOrder: 'random',
      ratePerMinute: 600,
      tokenTtlSeconds: 120,
      maxActive: null,
      overbook: 1,
      presenceGraceSeconds: 30,
      idleTimeoutSeconds: 600,
      challengeMaxNumber: 100_000,
    });
    expect(config).toMatchObject({
      redisUrl: null,
      redisCluster: false,
      databaseUrl: null,
      rateLimitPerMinute: 300,
      trustProxy: false,
      port: 3000,
      host: '127.0.0.1',
      logLevel: 'info',
    });
    expect(config.generated).toEqual({ adminToken: true, queueTokenSecret: true, keys: true });
    expect(config.keys.privateKey?.asymmetricKeyType).toBe('rsa');
    expect(config.product).toEqual({ name: 'Limited edition' });
  });

  test('reads the product as the shopper page shows it', () => {
    const env = {
      PRODUCT_NAME: 'Trail shoe, size 42',
      PRODUCT_PRICE: '129.00 EUR',
      PRODUCT_IMAGE_URL: 'https://cdn.shop.example/shoe.webp',
    };
    expect(load(env).product).toEqual({ name: 'Trail shoe, size 42', price: '129.00 EUR', imageUrl: 'https://cdn.shop.example/shoe.webp' });
  });

  test('reads every variable it is given', () => {
    const config = load({
      SALE_ID: 'spring',
      SALE_STARTS_AT: '2030-02-01T09:00:00Z',
      SALE_ENDS_AT: '2030-02-01T10:00:00.500+01:00',
      SALE_STOCK: '5',
      QUEUE_OPENS_AT: '2030-02-01T08:30:00Z',
      PREQUEUE_ORDER: 'fifo',
      ADMISSION_RATE_PER_MINUTE: '120',
      ADMISSION_TOKEN_TTL_SECONDS: '30',
      MAX_ACTIVE_ADMISSIONS: '7',
      OVERBOOK: '1.5',
      PRESENCE_GRACE_SECONDS: '10',
      QUEUE_IDLE_TIMEOUT_SECONDS: '60',
      REDIS_URL: 'redis://localhost:6380',
      REDIS_CLUSTER: 'true',
      DATABASE_URL: 'postgres://postgres@localhost/orders',
      RATE_LIMIT_PER_MINUTE: '0',
      ADMIN_TOKEN: 'a-long-enough-admin-token',
      QUEUE_TOKEN_SECRET: 'q'.repeat(32),
      JWT_PRIVATE_KEY: privatePem,
      PORT: '8080',
      HOST: '0.0.0.0',
      TRUST_PROXY: '1',
      LOG_LEVEL: 'warn',
      JOIN_CHALLENGE_MAX_NUMBER: '5000',
      MAX_PLACES_PER_NETWORK: '3',
    });
    expect(config.sale).toEqual({
      saleId: 'spring',
      stock: 5,
      startsAt: Date.parse('2030-02-01T09:00:00Z'),
      endsAt: Date.parse('2030-02-01T09:00:00.500Z'),
      queueOpensAt: Date.parse('2030-02-01T08:30:00Z'),
    });
    expect(config.admission).toEqual({
      prequeueOrder: 'fifo',
      ratePerMinute: 120,
      tokenTtlSeconds: 30,
      maxActive: 7,
      overbook: 1.5,
      presenceGraceSeconds: 10,
      idleTimeoutSeconds: 60,
      challengeMaxNumber: 5_000,
    });
    expect(config.join).toEqual({ maxPlacesPerNetwork: 3, identity: null });
    expect(config).toMatchObject({
      redisUrl: 'redis://localhost:6380',
      redisCluster: true,
      rateLimitPerMinute: 0,
      trustProxy: 1,
      adminToken: 'a-long-enough-admin-token',
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'warn',
    });
    expect(config.generated).toEqual({ adminToken: false, queueTokenSecret: false, keys: false });
  });

  test.each([
    [{ SALE_STOCK: '-1' }, 'SALE_STOCK'],
    [{ SALE_STOCK: 'lots' }, 'SALE_STOCK'],
    [{ SALE_STOCK: '2.5' }, 'SALE_STOCK'],
    [{ SALE_STARTS_AT: 'tomorrow' }, 'SALE_STARTS_AT'],
    [{ SALE_STARTS_AT: '2030-02-30T09:00:00' }, 'SALE_STARTS_AT'],
    [{ SALE_STARTS_AT: '2030-02-01T10:00:00Z', SALE_ENDS_AT: '2030-02-01T09:00:00Z' }, 'SALE_ENDS_AT'],
    [{ SALE_STARTS_AT: '2030-02-01T10:00:00Z', SALE_ENDS_AT: '2030-02-01T10:00:00Z' }, 'SALE_ENDS_AT'],
    [{ SALE_STARTS_AT: '2030-02-01T10:00:00Z', QUEUE_OPENS_AT: '2030-02-01T11:00:00Z' }, 'QUEUE_OPENS_AT'],
    [{ PREQUEUE_ORDER: 'lottery' }, 'PREQUEUE_ORDER'],
    [{ ADMISSION_RATE_PER_MINUTE: '-5' }, 'ADMISSION_RATE_PER_MINUTE'],
    [{ ADMISSION_TOKEN_TTL_SECONDS: '0' }, 'ADMISSION_TOKEN_TTL_SECONDS'],
    [{ OVERBOOK: '0.5' }, 'OVERBOOK'],
    [{ REDIS_URL: 'http://localhost' }, 'REDIS_URL'],
    [{ REDIS_CLUSTER: 'yes' }, 'REDIS_CLUSTER'],
    [{ REDIS_CLUSTER: 'true' }, 'REDIS_CLUSTER'],
    [{ TRUST_PROXY: 'the balancer' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: 'banana' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '10.0.0.0/99' }, 'TRUST_PROXY'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ PORT: '70000' }, 'PORT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN'],
    [{ SALE_ID: 'has spaces' }, 'SALE_ID'],
    [{ JWT_PRIVATE_KEY: 'not a key' }, 'JWT_PRIVATE_KEY'],
    [{ JWT_PUBLIC_KEY_FILE: '/nonexistent/key.pem' }, 'JWT_PUBLIC_KEY_FILE'],
    [{ PRODUCT_NAME: 'x'.repeat(121) }, 'PRODUCT_NAME'],
    [{ PRODUCT_PRICE: 'x'.repeat(41) }, 'PRODUCT_PRICE'],
    [{ PRODUCT_IMAGE_URL: 'javascript:alert(1)' }, 'PRODUCT_IMAGE_URL'],
    [{ PRODUCT_IMAGE_URL: 'shoe.webp' }, 'PRODUCT_IMAGE_URL'],
  ])('refuses %j with one message naming %s', (env, variable) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
  });

  test("TRUST_PROXY takes a hop count or the proxies' addresses, as Express does", () => {
    expect(load({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(load({ TRUST_PROXY: '10.0.0.0/8, loopback' }).trustProxy).toBe('10.0.0.0/8, loopback');
  });

  test('never repeats a secret in its message', () => {
    expect(() => load({ QUEUE_TOKEN_SECRET: 'hunter2-hunter2' })).toThrow(
      'QUEUE_TOKEN_SECRET must be at least 32 characters (got 15 characters)',
    );
    expect(() => load({ ADMIN_TOKEN: 'hunter2' })).not.toThrow(/hunter2/);
  });

  test('split mode requires Redis and the secrets, and never gives checkout the private key', () => {
    const waitingRoom = {
      REDIS_URL: 'redis://localhost',
      QUEUE_TOKEN_SECRET: 'q'.repeat(32),
      ADMIN_TOKEN: 'a-long-enough-admin-token',
      JWT_PRIVATE_KEY: privatePem,
    };
    expect(() => load({}, 'checkout')).toThrow(/REDIS_URL is required/);
    expect(() => load({ REDIS_URL: 'redis://localhost' }, 'checkout')).toThrow(/JWT_PUBLIC_KEY is required/);
    expect(() => load({ REDIS_URL: 'redis://localhost', JWT_PRIVATE_KEY: privatePem }, 'checkout')).toThrow(
      /JWT_PRIVATE_KEY must not be given/,
    );
    expect(load({ REDIS_URL: 'redis://localhost', JWT_PUBLIC_KEY: publicPem }, 'checkout').keys).toEqual({
      privateKey: null,
      publicKeys: [expect.anything()],
    });
    expect(() => load({ ...waitingRoom, QUEUE_TOKEN_SECRET: '' }, 'waiting-room')).toThrow(/QUEUE_TOKEN_SECRET is required/);
    expect(() => load({ ...waitingRoom, JWT_PRIVATE_KEY: '' }, 'waiting-room')).toThrow(/JWT_PRIVATE_KEY is required/);
    expect(load(waitingRoom, 'waiting-room').keys.privateKey).not.toBeNull();
  });

  test('accepts two public keys in one variable, for a key rotation', () => {
    const next = createPublicKey(generateKey('ec')).export({ type: 'spki', format: 'pem' }).toString();
    const config = load({ REDIS_URL: 'redis://localhost', JWT_PUBLIC_KEY: `${publicPem}\n${next}` }, 'checkout');
    expect(config.keys.publicKeys.map((key) => key.asymmetricKeyType)).toEqual(['rsa', 'ec']);
  });

  test("reads the shop's identity key, and refuses one that is not a single usable public key", () => {
    const shop = createPublicKey(generateKey('ec')).export({ type: 'spki', format: 'pem' }).toString();
    const config = load({ IDENTITY_PUBLIC_KEY: shop, IDENTITY_ISSUER: 'https://shop.example' });
    expect(config.join.identity?.key.asymmetricKeyType).toBe('ec');
    expect(config.join.identity?.issuer).toBe('https://shop.example');
    expect(load({ IDENTITY_PUBLIC_KEY: shop }).join.identity?.issuer).toBeNull();
    expect(() => load({ IDENTITY_PUBLIC_KEY: 'not a key' })).toThrow(/IDENTITY_PUBLIC_KEY is not a usable key/);
    expect(() => load({ IDENTITY_PUBLIC_KEY: `${shop}\n${publicPem}` })).toThrow(
      /IDENTITY_PUBLIC_KEY is not a usable key: give exactly one public key/,
    );
    expect(() => load({ IDENTITY_PUBLIC_KEY: shop, IDENTITY_PUBLIC_KEY_FILE: '/x' })).toThrow(/both set/);
  });

  test('refuses a join challenge or a cap per network that is not a whole number in range', () => {
    expect(() => load({ JOIN_CHALLENGE_MAX_NUMBER: '-1' })).toThrow(/JOIN_CHALLENGE_MAX_NUMBER must not be negative/);
    expect(() => load({ JOIN_CHALLENGE_MAX_NUMBER: '20000000' })).toThrow(/JOIN_CHALLENGE_MAX_NUMBER must be at most 10000000/);
    expect(() => load({ MAX_PLACES_PER_NETWORK: '1.5' })).toThrow(/MAX_PLACES_PER_NETWORK must be a whole number/);
    expect(load({ JOIN_CHALLENGE_MAX_NUMBER: '0', MAX_PLACES_PER_NETWORK: '0' })).toMatchObject({
      admission: { challengeMaxNumber: 0 },
      join: { maxPlacesPerNetwork: 0 },
    });
  });
});
