import { describe, expect, it } from 'vitest';
import { spiral } from '../src/data/spiral.js';
import { Rng } from '../src/random/rng.js';

describe('spiral', () => {
  it("has the book's shape by default: 3 arms of 100 points, one-hot targets, class-major order", () => {
    const d = spiral();
    expect(d.count).toBe(300);
    expect(d.classes).toBe(3);
    expect(d.x).toBeInstanceOf(Float64Array);
    expect(d.x).toHaveLength(600);
    expect(d.t).toHaveLength(900);
    expect(d.labels).toBeInstanceOf(Int32Array);
    for (let n = 0; n < 300; n++) {
      const j = Math.floor(n / 100);
      expect(d.labels[n]).toBe(j);
      const row = Array.from(d.t.subarray(n * 3, n * 3 + 3));
      expect(row).toEqual([0, 1, 2].map((k) => (k === j ? 1 : 0)));
    }
  });

  it('puts point i of each arm at radius i / N (all inside the unit disc) on the angle 4j + 4r + 0.2 noise', () => {
    const N = 50;
    const classes = 4;
    const d = spiral({ pointsPerClass: N, classes, seed: 11 });
    const noise: number[] = [];
    for (let j = 0; j < classes; j++) {
      for (let i = 0; i < N; i++) {
        const n = j * N + i;
        const [px, py] = [d.x[2 * n], d.x[2 * n + 1]];
        const r = Math.hypot(px, py);
        expect(r).toBeCloseTo(i / N, 12);
        expect(r).toBeLessThan(1);
        if (i === 0) continue; // the centre has no angle
        // x = r sin(theta), y = r cos(theta): theta = atan2(x, y), up to whole turns.
        let e = (Math.atan2(px, py) - (4 * j + (4 * i) / N)) / (2 * Math.PI);
        e -= Math.round(e);
        noise.push((e * 2 * Math.PI) / 0.2);
      }
    }
    // The recovered noise is a standard normal sample (0.2 * noise never nears half a turn, so no wrap is lost).
    const mean = noise.reduce((a, b) => a + b) / noise.length;
    const sd = Math.sqrt(noise.reduce((a, b) => a + (b - mean) ** 2, 0) / noise.length);
    expect(Math.abs(mean)).toBeLessThan(0.2);
    expect(sd).toBeGreaterThan(0.85);
    expect(sd).toBeLessThan(1.15);
  });

  it('draws its noise from Rng(seed).normal(), one value per point in order', () => {
    const d = spiral({ pointsPerClass: 5, classes: 2, seed: 99 });
    const rng = new Rng(99);
    for (let n = 0; n < 10; n++) {
      const i = n % 5;
      const j = Math.floor(n / 5);
      const r = i / 5;
      const theta = 4 * j + 4 * r + 0.2 * rng.normal();
      expect(d.x[2 * n]).toBeCloseTo(r * Math.sin(theta), 14);
      expect(d.x[2 * n + 1]).toBeCloseTo(r * Math.cos(theta), 14);
    }
  });

  it('is deterministic by seed', () => {
    expect(Array.from(spiral({ seed: 3 }).x)).toEqual(Array.from(spiral({ seed: 3 }).x));
    expect(Array.from(spiral({ seed: 3 }).x)).not.toEqual(Array.from(spiral({ seed: 4 }).x));
    expect(Array.from(spiral().x)).toEqual(Array.from(spiral({ seed: 1984 }).x));
  });

  it('rejects bad sizes', () => {
    expect(() => spiral({ pointsPerClass: 0 })).toThrow(/spiral: pointsPerClass must be an integer >= 1, got 0/);
    expect(() => spiral({ classes: 2.5 })).toThrow(/spiral: classes must be an integer >= 1, got 2.5/);
    expect(() => spiral({ seed: Number.NaN })).toThrow(/spiral: seed/);
  });
});
