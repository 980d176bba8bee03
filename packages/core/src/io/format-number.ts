/** Fixed-point text for a number, without a negative zero ('-0.0000'), which some readers dislike. */
export function fixed(x: number, digits: number): string {
  const s = x.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}
