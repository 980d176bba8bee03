/**
 * A decimal number as C and Fortran programs write it: optional sign, digits with an optional
 * point, optional exponent marked e, E, d or D (Fortran's double precision, `1.0D-3`).
 */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eEdD][+-]?\d+)?$/;

/** True when `token` is written as a decimal number (whatever its size). */
export function isDecimal(token: string): boolean {
  return DECIMAL.test(token);
}

/** The value of a decimal token; NaN for anything else (hex, words, '1,5'); ±Infinity when it overflows a double. */
export function parseDecimal(token: string): number {
  return DECIMAL.test(token) ? Number(token.replace(/[dD]/, 'e')) : NaN;
}

/**
 * Why a token written where a number belongs is a number that is not finite: the words NaN and
 * Infinity (as C's printf and Python write them), an overflowing exponent, or the asterisks
 * Fortran prints when a value does not fit its field. Undefined for any other token, which the
 * caller reports as not a number at all (or reads as a label).
 */
export function nonFiniteNumber(token: string): string | undefined {
  if (/^[+-]?(?:nan|inf|infinity)$/i.test(token)) return `'${token}' is not a finite number`;
  if (/^\*+$/.test(token)) return `'${token}' is not a number: Fortran writes asterisks when a value overflows its field`;
  if (DECIMAL.test(token) && !Number.isFinite(parseDecimal(token))) return `'${token}' is too large: not a finite number`;
  return undefined;
}
