/**
 * Numbers printed and rounded the way Python does, for names that must match doped's byte for byte.
 *
 * Python's `f"{x:.2f}"` and `round(x, 2)` both round the EXACT binary value of the double, ties to
 * even: 1.805 is stored as 1.80499999999999993782… and prints "1.80", where `Math.round(x * 100) / 100`
 * gives 1.81 (the product 180.5 is exact after rounding). JavaScript's `toFixed` also rounds the
 * exact binary value, but breaks exact ties (values like 0.125 that are exactly representable)
 * upwards instead of to even; only those are corrected here.
 */

/** `f"{x:.{digits}f}"` in Python: fixed-point text of the exact binary value, ties to even. 0 ≤ digits ≤ 20. */
export function formatFixed(x: number, digits: number): string {
  // Python keeps the sign of negative zero ('-0.00'); toFixed drops it.
  const text = Object.is(x, -0) ? `-${x.toFixed(digits)}` : x.toFixed(digits);
  if (!Number.isFinite(x)) return text;
  // The exact decimal expansion of |x| (toFixed is exact with enough digits: a double's binary
  // fraction has at most 1074 digits, but every tie at ≤ 20 digits lies far above 2^-80).
  const exact = Math.abs(x).toFixed(100);
  const point = exact.indexOf('.');
  const tail = exact.slice(point + 1 + digits);
  if (!/^50*$/.test(tail)) return text;
  // An exact tie: keep the truncated value when its last digit is even.
  const kept = exact.slice(0, point + 1 + digits).replace(/\.$/, '');
  const lastDigit = Number(kept[kept.length - 1]);
  if (lastDigit % 2 !== 0) return text;
  return x < 0 || Object.is(x, -0) ? `-${kept}` : kept;
}

/** `round(x, digits)` in Python for a float: the double nearest the correctly rounded decimal. */
export function roundHalfEven(x: number, digits: number): number {
  return Number(formatFixed(x, digits));
}
