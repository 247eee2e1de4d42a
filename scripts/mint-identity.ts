/**
 * npm run mint-identity -- [userId ...]   (the page's base URL from --url=<url>, else http://127.0.0.1:3000)
 *
 * Tries identity mode without a shop: makes a throwaway EC P-256 key pair (or reuses the one in
 * .tmp/identity/), prints the IDENTITY_PUBLIC_KEY to start with, and for each customer an identity
 * token a shop would sign (aud "waiting-room", 1 hour) with the page link that carries it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import jwt from 'jsonwebtoken';

const DIR = path.join(__dirname, '..', '.tmp', 'identity');
const PRIVATE = path.join(DIR, 'shop-private.pem');
const PUBLIC = path.join(DIR, 'shop-public.pem');

function shopKeys(): { privatePem: string; publicPem: string } {
  if (!existsSync(PRIVATE)) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    mkdirSync(DIR, { recursive: true });
    writeFileSync(PRIVATE, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(PUBLIC, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  }
  return { privatePem: readFileSync(PRIVATE, 'utf8'), publicPem: readFileSync(PUBLIC, 'utf8') };
}

const args = process.argv.slice(2);
const customers = args.filter((arg) => !arg.startsWith('--url='));
const { privatePem } = shopKeys();
const base = args.find((arg) => arg.startsWith('--url='))?.slice('--url='.length) ?? 'http://127.0.0.1:3000';
console.log(`Start the sale with the shop's public key:\n\n  IDENTITY_PUBLIC_KEY_FILE=${path.relative(process.cwd(), PUBLIC)} npm start\n`);
for (const userId of customers.length > 0 ? customers : ['ann@example.com']) {
  const token = jwt.sign({ sub: userId }, privatePem, { algorithm: 'ES256', audience: 'waiting-room', expiresIn: '1h' });
  console.log(`${userId}:\n  identity token  ${token}\n  shopper page    ${base}/?identityToken=${token}\n`);
}
