import type { Order } from '../../sale/purchase';

/** An order as the orders hash keeps it: userId → "orderId|purchasedAt" (purchase-6.lua writes it). */
export function parseOrderRecord(userId: string, record: string): Order {
  const bar = record.indexOf('|');
  return { orderId: record.slice(0, bar), userId, purchasedAt: Number(record.slice(bar + 1)) };
}
