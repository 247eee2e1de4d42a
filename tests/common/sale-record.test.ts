import { departureCounts, minuteCountKey, minutesFromCounts, nearestRank } from '@flashsale/common';

/** The report's shared rules (common/src/sale/sale-record.ts), which both stores and the report use. */
describe('nearestRank', () => {
  test.each<[number, number, number]>([
    [0, 50, -1],
    [1, 50, 0],
    [1, 99, 0],
    [4, 50, 1],
    [4, 95, 3],
    [100, 95, 94],
    [100, 99, 98],
    [100, 100, 99],
    [101, 50, 50],
  ])('of %i values, the %i th percentile is at rank %i', (count, percentile, rank) => {
    expect(nearestRank(count, percentile)).toBe(rank);
  });
});

describe('minutesFromCounts', () => {
  const at = (minute: number) => minute * 60_000;

  test('fills the quiet minutes between the first and the last with zeros, in order, whatever order the counts came in', () => {
    const counts: Array<[string, number]> = [
      [minuteCountKey('purchased', at(12) + 59_999), 2],
      [minuteCountKey('joined', at(10)), 5],
      [minuteCountKey('left', at(10) + 30_000), 1],
    ];
    expect(minutesFromCounts(counts)).toEqual([
      { minute: 10, joined: 5, admitted: 0, purchased: 0, expired: 0, left: 1 },
      { minute: 11, joined: 0, admitted: 0, purchased: 0, expired: 0, left: 0 },
      { minute: 12, joined: 0, admitted: 0, purchased: 2, expired: 0, left: 0 },
    ]);
  });

  test('nothing counted is no minutes; a field that is not a figure is ignored', () => {
    expect(minutesFromCounts([])).toEqual([]);
    expect(minutesFromCounts([['refunded:10', 3]])).toEqual([]);
  });
});

test('a departure counts as left only while the sale can still sell', () => {
  expect(departureCounts({ remaining: 1, endsAt: 1_000 }, 999)).toBe(true);
  expect(departureCounts({ remaining: 0, endsAt: 1_000 }, 999)).toBe(false);
  expect(departureCounts({ remaining: 1, endsAt: 1_000 }, 1_000)).toBe(false);
});
