// A bench's whole-number flags (--jobs 200, --seconds 10): absent gives the default, anything but
// a whole number from 1 to the bench's ceiling stops the bench with the flag named.
export function wholeNumberFlag(flag: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${flag}: expected a whole number from 1 to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}
