/**
 * `expectType<T>()(value)` compiles only if `value`'s type is exactly `T` (not a subtype, a supertype or
 * `any`): the check tsd's `expectType` makes, written with conditional types so the type tests need no extra
 * package. Curried because TypeScript cannot infer the value's type while `T` is given.
 */
type Exact<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;

/** `expectType<T>()(value)`: a compile error unless `value` has exactly type `T`. */
export function expectType<T>() {
  return <U>(value: U, ..._exact: Exact<T, U> extends true ? [] : ['type is not exactly the one expected']): U => value;
}
