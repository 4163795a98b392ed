/**
 * Calendar arithmetic and `strftime` for the legacy emscripten host (legacy.ts),
 * in UTC only and without `Date`, so results never depend on the machine's
 * time zone and hold for any year a double can count.
 *
 * `strftime` follows the C locale as emscripten's own JS library formats it
 * (the libc those modules were built against): `%c` is `%a %b %d %H:%M:%S %Y`
 * (zero-padded day, unlike glibc's `%e`), E and O modifiers are ignored, an
 * unknown conversion is copied through unchanged.
 */

/** The fields of a C `struct tm` (`year` counts from 1900, `mon` from 0). */
export interface Tm {
  sec: number;
  min: number;
  hour: number;
  mday: number;
  mon: number;
  year: number;
  wday: number;
  yday: number;
  isdst: number;
  gmtoff: number;
  zone: string;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1..12); Hinnant's algorithm. */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The UTC broken-down time of `t` seconds since the epoch (what gmtime fills). */
export function utcFields(t: number): Tm {
  const days = Math.floor(t / 86400);
  const secs = t - days * 86400;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const mday = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const mon = mp < 10 ? mp + 2 : mp - 10; // 0-based
  const year = yoe + era * 400 + (mon < 2 ? 1 : 0);
  return {
    sec: Math.floor(secs % 60),
    min: Math.floor(secs / 60) % 60,
    hour: Math.floor(secs / 3600),
    mday,
    mon,
    year: year - 1900,
    wday: (((days + 4) % 7) + 7) % 7, // 1970-01-01 was a Thursday
    yday: days - daysFromCivil(year, 1, 1),
    isdst: 0,
    gmtoff: 0,
    zone: 'UTC',
  };
}

/** Seconds since the epoch of a (possibly out-of-range) UTC `struct tm`, as timegm. */
export function timegm(tm: Pick<Tm, 'sec' | 'min' | 'hour' | 'mday' | 'mon' | 'year'>): number {
  const year = tm.year + 1900 + Math.floor(tm.mon / 12);
  const mon = ((tm.mon % 12) + 12) % 12;
  const days = daysFromCivil(year, mon + 1, 1) + tm.mday - 1;
  return days * 86400 + tm.hour * 3600 + tm.min * 60 + tm.sec;
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const pad = (n: number, width: number, fill = '0') => {
  const s = String(Math.abs(n)).padStart(width, fill);
  return n < 0 ? `-${s}` : s;
};

const isLeap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);

/** ISO 8601 weeks in a year: 53 when it starts on a Thursday (or Wednesday, in leap years). */
function isoWeeks(y: number): number {
  const jan1 = (((daysFromCivil(y, 1, 1) + 4) % 7) + 7) % 7;
  return jan1 === 4 || (jan1 === 3 && isLeap(y)) ? 53 : 52;
}

/** The ISO 8601 week-based year and week number (%G, %V). */
function isoWeek(tm: Tm): [number, number] {
  const year = tm.year + 1900;
  const week = Math.floor((tm.yday - ((tm.wday + 6) % 7) + 10) / 7);
  if (week < 1) return [year - 1, isoWeeks(year - 1)];
  if (week > isoWeeks(year)) return [year + 1, 1];
  return [year, week];
}

function convert(c: string, tm: Tm): string | undefined {
  const year = tm.year + 1900;
  switch (c) {
    case 'a':
      return DAYS[tm.wday]?.slice(0, 3) ?? '?';
    case 'A':
      return DAYS[tm.wday] ?? '?';
    case 'b':
    case 'h':
      return MONTHS[tm.mon]?.slice(0, 3) ?? '?';
    case 'B':
      return MONTHS[tm.mon] ?? '?';
    case 'c':
      return strftime('%a %b %d %H:%M:%S %Y', tm);
    case 'C':
      return pad(Math.floor(year / 100), 2);
    case 'd':
      return pad(tm.mday, 2);
    case 'D':
    case 'x':
      return strftime('%m/%d/%y', tm);
    case 'e':
      return pad(tm.mday, 2, ' ');
    case 'F':
      return strftime('%Y-%m-%d', tm);
    case 'g':
      return pad(((isoWeek(tm)[0] % 100) + 100) % 100, 2);
    case 'G':
      return String(isoWeek(tm)[0]);
    case 'H':
      return pad(tm.hour, 2);
    case 'I':
      return pad(tm.hour % 12 || 12, 2);
    case 'j':
      return pad(tm.yday + 1, 3);
    case 'm':
      return pad(tm.mon + 1, 2);
    case 'M':
      return pad(tm.min, 2);
    case 'n':
      return '\n';
    case 'p':
      return tm.hour < 12 ? 'AM' : 'PM';
    case 'r':
      return strftime('%I:%M:%S %p', tm);
    case 'R':
      return strftime('%H:%M', tm);
    case 'S':
      return pad(tm.sec, 2);
    case 't':
      return '\t';
    case 'T':
    case 'X':
      return strftime('%H:%M:%S', tm);
    case 'u':
      return String(tm.wday || 7);
    case 'U':
      return pad(Math.floor((tm.yday + 7 - tm.wday) / 7), 2);
    case 'V':
      return pad(isoWeek(tm)[1], 2);
    case 'w':
      return String(tm.wday);
    case 'W':
      return pad(Math.floor((tm.yday + 7 - ((tm.wday + 6) % 7)) / 7), 2);
    case 'y':
      return pad(((year % 100) + 100) % 100, 2);
    case 'Y':
      return String(year);
    case 'z': {
      const off = Math.abs(tm.gmtoff);
      const hhmm = Math.floor(off / 3600) * 100 + Math.floor((off % 3600) / 60);
      return (tm.gmtoff < 0 ? '-' : '+') + pad(hhmm, 4);
    }
    case 'Z':
      return tm.zone;
    case '%':
      return '%';
    default:
      return undefined;
  }
}

/** Format `tm` as C's strftime does in the C locale. */
export function strftime(format: string, tm: Tm): string {
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i];
    if (ch !== '%' || i + 1 >= format.length) {
      out += ch;
      continue;
    }
    let j = i + 1;
    if (format[j] === 'E' || format[j] === 'O') j++; // locale modifiers: no-ops in the C locale
    const text = convert(format[j] ?? '', tm);
    if (text === undefined) {
      out += format.slice(i, j + 1); // unknown: left as written
    } else {
      out += text;
    }
    i = j;
  }
  return out;
}
