import { decideSaleChange } from '@flashsale/common';

/** A sale of 100 that starts at 10,000 and ends at 20,000, its queue open since 5,000. */
const SALE = { stock: 100, remaining: 100, startsAt: 10_000, endsAt: 20_000, queueOpensAt: 5_000 };
const BEFORE = 9_000;
const DURING = 15_000;

describe('moving a sale (PATCH /api/admin/sale rules)', () => {
  test('before the start, the start, the end and the stock may all move', () => {
    expect(decideSaleChange(SALE, { startsAt: 12_000, endsAt: 30_000, stock: 150 }, BEFORE)).toEqual({
      ok: true,
      sale: { startsAt: 12_000, endsAt: 30_000, queueOpensAt: 5_000, stock: 150, remaining: 150, phase: 'upcoming' },
    });
  });

  test('a start moved before the queue opened opens the queue then too', () => {
    const verdict = decideSaleChange(SALE, { startsAt: 4_000 }, 3_000);
    expect(verdict).toMatchObject({ ok: true, sale: { startsAt: 4_000, queueOpensAt: 4_000 } });
  });

  test('an end at or before the start is a bad request, before the start or during', () => {
    expect(decideSaleChange(SALE, { endsAt: 10_000 }, BEFORE)).toMatchObject({ ok: false, refusal: { code: 'bad_request' } });
    expect(decideSaleChange(SALE, { startsAt: 25_000 }, BEFORE)).toMatchObject({ ok: false, refusal: { code: 'bad_request' } });
  });

  test('once active, only the end moves, and not into the past', () => {
    expect(decideSaleChange(SALE, { endsAt: 40_000 }, DURING)).toMatchObject({ ok: true, sale: { endsAt: 40_000, phase: 'active' } });
    expect(decideSaleChange(SALE, { endsAt: 16_000 }, DURING)).toMatchObject({ ok: true, sale: { endsAt: 16_000 } });
    for (const change of [{ startsAt: 11_000 }, { stock: 200 }, { endsAt: 14_000 }])
      expect(decideSaleChange(SALE, change, DURING)).toMatchObject({ ok: false, refusal: { code: 'sale_started' } });
  });

  test('sold out or ended, nothing moves', () => {
    expect(decideSaleChange({ ...SALE, remaining: 0 }, { endsAt: 40_000 }, DURING)).toMatchObject({
      ok: false,
      refusal: { code: 'sale_started' },
    });
    expect(decideSaleChange(SALE, { endsAt: 40_000 }, 25_000)).toMatchObject({ ok: false, refusal: { code: 'sale_started' } });
  });

  test('fields at their current values are no change: a form may send them all', () => {
    const all = { startsAt: SALE.startsAt, endsAt: 40_000, stock: SALE.stock };
    expect(decideSaleChange({ ...SALE, remaining: 60 }, all, DURING)).toMatchObject({ ok: true, sale: { endsAt: 40_000, remaining: 60 } });
  });
});
