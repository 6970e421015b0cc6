/**
 * A small, fast pseudo-random generator (sfc32, seeded through splitmix32), so an inventory is
 * the same for the same seed on every machine and both databases.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** A whole number from 0 to 2^32 − 1. */
  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** A number in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** A whole number in [0, n), n up to 2^53. */
  below(n: number): number {
    return Math.floor(((this.uint32() * 4294967296 + this.uint32()) / 18446744073709551616) * n);
  }

  /** A random (version 4) GUID, lower-case. */
  guid(): string {
    const hex = (n: number) => n.toString(16).padStart(8, '0');
    const w = [this.uint32(), this.uint32(), this.uint32(), this.uint32()];
    w[1] = ((w[1] & 0xffff0fff) | 0x00004000) >>> 0;
    w[2] = ((w[2] & 0x3fffffff) | 0x80000000) >>> 0;
    const s = w.map(hex).join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
}
