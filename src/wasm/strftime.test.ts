/**
 * The UTC calendar and strftime of the legacy host: broken-down times checked
 * against Date's UTC getters, timegm normalizing out-of-range fields, and every
 * conversion checked against GNU `date -u` output for edge dates (ISO weeks
 * across years, leap days, before the epoch).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { strftime, timegm, utcFields } from './strftime.ts';

it('utcFields agrees with Date for times around the epoch and far from it', () => {
  for (let t = -5e10; t < 5e10; t += 7777777 * 13 + 86399) {
    const d = new Date(t * 1000);
    const tm = utcFields(t);
    const start = new Date(0);
    start.setUTCFullYear(d.getUTCFullYear(), 0, 1);
    const fields = [tm.sec, tm.min, tm.hour, tm.mday, tm.mon, tm.year + 1900, tm.wday, tm.yday];
    assert.deepEqual(fields, [
      d.getUTCSeconds(),
      d.getUTCMinutes(),
      d.getUTCHours(),
      d.getUTCDate(),
      d.getUTCMonth(),
      d.getUTCFullYear(),
      d.getUTCDay(),
      Math.floor((d.getTime() - start.getTime()) / 86400000),
    ]);
    assert.equal(timegm(tm), t);
  }
});

it('timegm normalizes out-of-range fields as mktime does', () => {
  // 2024-02-30 01:00 is 2024-03-01 01:00; month 13 of 2023 is January 2024
  assert.equal(timegm({ year: 124, mon: 1, mday: 30, hour: 1, min: 0, sec: 0 }), 1709254800);
  assert.equal(timegm({ year: 123, mon: 12, mday: 1, hour: 0, min: 0, sec: 0 }), 1704067200);
  assert.equal(timegm({ year: 70, mon: 0, mday: 1, hour: 0, min: 0, sec: -1 }), -1);
  assert.equal(timegm({ year: 70, mon: -1, mday: 1, hour: 0, min: 0, sec: 0 }), -2678400);
});

// `date -u -d @T '+<FORMAT>'` (GNU coreutils) for each T.
const FORMAT =
  '%a %A %b %B %C %d %e %D %F %g %G %H %I %j %m %M %p %S %u %U %V %w %W %y %Y %T %R %r %x %X';
const GNU: [number, string][] = [
  [
    0,
    'Thu Thursday Jan January 19 01  1 01/01/70 1970-01-01 70 1970 00 12 001 01 00 AM 00 4 00 01 4 00 70 1970 00:00:00 00:00 12:00:00 AM 01/01/70 00:00:00',
  ],
  [
    1609459200,
    'Fri Friday Jan January 20 01  1 01/01/21 2021-01-01 20 2020 00 12 001 01 00 AM 00 5 00 53 5 00 21 2021 00:00:00 00:00 12:00:00 AM 01/01/21 00:00:00',
  ],
  [
    1735516800,
    'Mon Monday Dec December 20 30 30 12/30/24 2024-12-30 25 2025 00 12 365 12 00 AM 00 1 52 01 1 53 24 2024 00:00:00 00:00 12:00:00 AM 12/30/24 00:00:00',
  ],
  [
    951782400,
    'Tue Tuesday Feb February 20 29 29 02/29/00 2000-02-29 00 2000 00 12 060 02 00 AM 00 2 09 09 2 09 00 2000 00:00:00 00:00 12:00:00 AM 02/29/00 00:00:00',
  ],
  [
    1700000000,
    'Tue Tuesday Nov November 20 14 14 11/14/23 2023-11-14 23 2023 22 10 318 11 13 PM 20 2 46 46 2 46 23 2023 22:13:20 22:13 10:13:20 PM 11/14/23 22:13:20',
  ],
  [
    -86400,
    'Wed Wednesday Dec December 19 31 31 12/31/69 1969-12-31 70 1970 00 12 365 12 00 AM 00 3 52 01 3 52 69 1969 00:00:00 00:00 12:00:00 AM 12/31/69 00:00:00',
  ],
  [
    4102444799,
    'Thu Thursday Dec December 20 31 31 12/31/99 2099-12-31 99 2099 23 11 365 12 59 PM 59 4 52 53 4 52 99 2099 23:59:59 23:59 11:59:59 PM 12/31/99 23:59:59',
  ],
  [
    1230768000,
    'Thu Thursday Jan January 20 01  1 01/01/09 2009-01-01 09 2009 00 12 001 01 00 AM 00 4 00 01 4 00 09 2009 00:00:00 00:00 12:00:00 AM 01/01/09 00:00:00',
  ],
];

it('formats every conversion as GNU date does in the C locale', () => {
  for (const [t, expected] of GNU) assert.equal(strftime(FORMAT, utcFields(t)), expected, `@${t}`);
});

it('follows emscripten where the libc differs, and leaves the unknown alone', () => {
  const tm = utcFields(1700000000);
  assert.equal(strftime('%c', utcFields(0)), 'Thu Jan 01 00:00:00 1970'); // emscripten: %d, not %e
  assert.equal(strftime('%Ec|%OH|%Ey', tm), 'Tue Nov 14 22:13:20 2023|22|23');
  assert.equal(strftime('%%Y|%n|%t|%Q|%', tm), '%Y|\n|\t|%Q|%');
  assert.equal(strftime('%Z %z', { ...tm, zone: 'UTC', gmtoff: 0 }), 'UTC +0000');
  assert.equal(strftime('%z|%z', { ...tm, gmtoff: -(5 * 3600 + 30 * 60) }), '-0530|-0530');
  assert.equal(strftime('%I %p|%I %p', { ...tm, hour: 12 }), '12 PM|12 PM');
});
