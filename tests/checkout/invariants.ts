import { purchase, signAdmission } from '../kit';
import type { SaleStore } from '@flashsale/common';

export interface OrderAudit {
  orders: number;
  remaining: number;
  violations: string[];
}

/**
 * Checks the first two SPEC invariants from the outside: orders = stock − remaining with
 * remaining ≥ 0 (no oversell), and no userId with two orders (one per user).
 */
export async function auditOrders(store: SaleStore, users: string[], stock: number): Promise<OrderAudit> {
  const orders = (await Promise.all(users.map((user) => store.getOrder(user)))).filter((order) => order !== null);
  const { remaining } = await store.getSale();
  const violations: string[] = [];
  if (remaining < 0) violations.push(`remaining is negative (${remaining})`);
  if (orders.length !== stock - remaining) violations.push(`${orders.length} orders, but stock − remaining = ${stock - remaining}`);
  if (orders.length > stock) violations.push(`oversold: ${orders.length} orders for ${stock} units`);
  const orderIds = new Set(orders.map((order) => order.orderId));
  if (orderIds.size !== orders.length) violations.push('two shoppers share an orderId');
  return { orders: orders.length, remaining, violations };
}

/** 2,000 distinct shoppers buy at once; returns their answers and the audit of the store afterwards. */
export async function stampede(url: string, store: SaleStore, saleId: string, stock: number, shoppers = 2000) {
  const users = Array.from({ length: shoppers }, (_, i) => `shopper-${i}`);
  const tokens = users.map((user) => signAdmission(user, saleId));
  const answers = await Promise.all(tokens.map((token) => purchase(url, token)));
  return { answers, audit: await auditOrders(store, users, stock) };
}

/** One shopper fires `attempts` purchases at once with one token. */
export async function duplicateBurst(url: string, saleId: string, userId: string, attempts = 50) {
  const token = signAdmission(userId, saleId);
  return Promise.all(Array.from({ length: attempts }, () => purchase(url, token)));
}
