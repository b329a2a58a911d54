/**
 * A checked `value!`: the value when it is there, else the test fails here, saying what it got
 * (instead of a TypeError further on, or a comparison with undefined that passes by accident).
 */
export function defined<T>(value: T, what = 'a value'): NonNullable<T> {
  if (value === undefined || value === null) throw new Error(`expected ${what}, got ${value}`)
  return value
}
