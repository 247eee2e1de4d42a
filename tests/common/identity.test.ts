import { normalizeUserId } from '@flashsale/common';

describe('userId normalisation', () => {
  test.each([
    ['alice', 'alice'],
    ['  Alice@Example.COM ', 'alice@example.com'],
    ['bob.smith+sale_1-x', 'bob.smith+sale_1-x'],
    ['a'.repeat(64), 'a'.repeat(64)],
  ])('accepts %j as %j', (raw, expected) => {
    expect(normalizeUserId(raw)).toBe(expected);
  });

  test.each([
    ['empty', ''],
    ['only spaces', '   '],
    ['65 characters', 'a'.repeat(65)],
    ['a space inside', 'al ice'],
    ['a Cyrillic look-alike', 'аlice'],
    ['the Kelvin sign, which lower-cases to k', '\u212Aate'],
    ['a control character', 'alice\u0000'],
    ['a zero-width space', 'ali\u200Bce'],
    ['an injection string', "alice'; DROP TABLE orders;--"],
    ['markup', '<script>alert(1)</script>'],
    ['a number', 42],
    ['an object', { $gt: '' }],
    ['null', null],
    ['an array', ['alice']],
  ])('refuses %s', (_name, raw) => {
    expect(normalizeUserId(raw)).toBeNull();
  });
});
