/**
 * A correctly rounded `pow(x, y)` for x > 0, for the exp schedule: INC computes its ratio with CPython's
 * `**`, i.e. the C library's pow (glibc's is correctly rounded in practice), and V8's `**` differs from it in
 * the last bit (`0.25 ** 0.25` is ...475 in V8, ...476 in glibc). Method: `exp(y * log(x))` in double-double
 * arithmetic (about 100 bits), rounded once to a double. The result is the correctly rounded value unless
 * the exact power lies within about 2^-100 relative of a rounding midpoint; tested against every ratio
 * the INC reference runs hold (test/pruning/inc-reference.test.ts) and against exact powers.
 */

/** A double-double: hi + lo, |lo| <= ulp(hi) / 2. */
type DD = [number, number];

function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

/** Exact product of two doubles (Dekker's split; no FMA in JS). */
function twoProd(a: number, b: number): DD {
  const p = a * b;
  const split = (x: number): DD => {
    const c = 134217729 * x; // 2^27 + 1
    const h = c - (c - x);
    return [h, x - h];
  };
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function add(a: DD, b: DD): DD {
  const [s, e] = twoSum(a[0], b[0]);
  return quick(s, e + a[1] + b[1]);
}

function quick(a: number, b: number): DD {
  const s = a + b;
  return [s, b - (s - a)];
}

function mul(a: DD, b: DD): DD {
  const [p, e] = twoProd(a[0], b[0]);
  return quick(p, e + a[0] * b[1] + a[1] * b[0]);
}

function scale(a: DD, k: number): DD {
  return [a[0] * k, a[1] * k];
}

/** ln 2 as a double-double. */
const LN2: DD = [0.6931471805599453, 2.3190468138462996e-17];

/** exp of a double-double (|a| < 700). */
function expDD(a: DD): DD {
  const k = Math.round(a[0] / LN2[0]);
  // r = a - k ln2, then exp(r) = (exp(r / 2^10))^(2^10)
  let r = add(a, add(twoProd(LN2[0], -k), [LN2[1] * -k, 0]));
  r = scale(r, 1 / 1024);
  // Taylor series of exp(r) - 1 for |r| < 2^-10: 12 terms reach 2^-130.
  let term: DD = r;
  let sum: DD = r;
  for (let i = 2; i <= 12; i++) {
    term = mul(term, r);
    term = divSmall(term, i);
    sum = add(sum, term);
  }
  // (1 + s)^2 - 1 = 2s + s^2, ten times, keeps the small part exact.
  for (let i = 0; i < 10; i++) sum = add(scale(sum, 2), mul(sum, sum));
  const one = add([1, 0], sum);
  return scale(one, 2 ** k);
}

/** A double-double divided by a small integer. */
function divSmall(a: DD, d: number): DD {
  const q = a[0] / d;
  const [p, e] = twoProd(q, d);
  const rest = (a[0] - p - e + a[1]) / d;
  return quick(q, rest);
}

/** log of a positive double, as a double-double: Newton's step on exp from Math.log. */
function logDD(x: number): DD {
  let l: DD = [Math.log(x), 0];
  for (let i = 0; i < 2; i++) {
    const e = expDD(l);
    // l += (x - e) / e
    const diff = add([x, 0], [-e[0], -e[1]]);
    const q = diff[0] / e[0];
    l = add(l, [q, 0]);
  }
  return l;
}

/**
 * `x ** y` rounded once from about 100 bits, for x > 0 and finite y; exact cases (x = 1, y = 0, y = 1, y
 * an integer with an exactly representable result) come out exactly.
 */
export function correctlyRoundedPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (y === 1) return x;
  if (!(x > 0) || !Number.isFinite(x) || !Number.isFinite(y)) return x ** y;
  // A schedule asks for the same per-step factor at every pruning step, on the event loop: remember it.
  const key = `${x}:${y}`;
  const known = remembered.get(key);
  if (known !== undefined) return known;
  if (remembered.size >= 256) remembered.clear();
  const value = powDD(x, y);
  remembered.set(key, value);
  return value;
}

const remembered = new Map<string, number>();

function powDD(x: number, y: number): number {
  const l = logDD(x);
  const t = mul(l, [y, 0]);
  if (t[0] > 709 || t[0] < -745) return x ** y;
  const r = expDD(t);
  return r[0] + r[1];
}
