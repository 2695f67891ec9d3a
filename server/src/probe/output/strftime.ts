// strftime() for time(): the simulated wall clock is UTC, so the output does not depend on the
// machine's time zone.
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const two = (n: number): string => String(n).padStart(2, '0');

type Field = (d: Date) => string;

const FIELDS: Record<string, Field> = {
  H: (d) => two(d.getUTCHours()),
  M: (d) => two(d.getUTCMinutes()),
  S: (d) => two(d.getUTCSeconds()),
  Y: (d) => String(d.getUTCFullYear()),
  y: (d) => two(d.getUTCFullYear() % 100),
  m: (d) => two(d.getUTCMonth() + 1),
  d: (d) => two(d.getUTCDate()),
  e: (d) => String(d.getUTCDate()).padStart(2, ' '),
  j: (d) => String(Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1).padStart(3, '0'),
  I: (d) => two(d.getUTCHours() % 12 || 12),
  p: (d) => (d.getUTCHours() < 12 ? 'AM' : 'PM'),
  a: (d) => DAYS[d.getUTCDay()]!.slice(0, 3),
  A: (d) => DAYS[d.getUTCDay()]!,
  b: (d) => MONTHS[d.getUTCMonth()]!.slice(0, 3),
  h: (d) => MONTHS[d.getUTCMonth()]!.slice(0, 3),
  B: (d) => MONTHS[d.getUTCMonth()]!,
  Z: () => 'UTC',
  z: () => '+0000',
  s: (d) => String(Math.floor(d.getTime() / 1000)),
  n: () => '\n',
  t: () => '\t',
  '%': () => '%',
};
FIELDS.T = (d) => `${FIELDS.H!(d)}:${FIELDS.M!(d)}:${FIELDS.S!(d)}`;
FIELDS.R = (d) => `${FIELDS.H!(d)}:${FIELDS.M!(d)}`;
FIELDS.D = (d) => `${FIELDS.m!(d)}/${FIELDS.d!(d)}/${FIELDS.y!(d)}`;
FIELDS.F = (d) => `${FIELDS.Y!(d)}-${FIELDS.m!(d)}-${FIELDS.d!(d)}`;

/** Formats `ms` milliseconds since the epoch (UTC) with a strftime format. */
export function strftime(format: string, ms: number): string {
  const d = new Date(ms);
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%' || i + 1 >= format.length) {
      out += c;
      continue;
    }
    const f = FIELDS[format[i + 1]!];
    out += f ? f(d) : `%${format[i + 1]}`;
    i++;
  }
  return out;
}
