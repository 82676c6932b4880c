// assembly/optim.ts against float64 references, through the raw wasm exports.
import { describe, expect, it } from 'vitest';
import { DTYPES, call, checkElementwise, expectClose, inout, input, round, ulps, uniform, values } from './raw-kernel.js';

const p = uniform(-2, 2, 21);
const g = uniform(-1, 1, 22);
const state = uniform(-0.5, 0.5, 23);
const squares = uniform(0, 1, 24);
/** A handful of roundings on O(1) values, some with cancellation (g - mo, v - lr g). */
const UPDATE = ulps(8, 8);

describe('optimizer kernels (one step)', () => {
  it('sgd', () =>
    checkElementwise({ kernel: 'sgd', signature: 'n p g lr', given: { p, g, lr: 0.1 }, reference: (v) => ({ p: v.p - v.lr * v.g }), tol: UPDATE }));
  it('momentum', () =>
    checkElementwise({
      kernel: 'momentum', signature: 'n p g v lr mu', given: { p, g, v: state, lr: 0.05, mu: 0.9 },
      reference: (s) => {
        const v = s.mu * s.v - s.lr * s.g;
        return { p: s.p + v, v };
      },
      tol: UPDATE,
    }));
  it('nesterov', () =>
    checkElementwise({
      kernel: 'nesterov', signature: 'n p g v lr mu', given: { p, g, v: state, lr: 0.05, mu: 0.9 },
      reference: (s) => {
        const v = s.mu * s.v - s.lr * s.g;
        return { p: s.p + s.mu * v - s.lr * s.g, v };
      },
      tol: UPDATE,
    }));
  it('adagrad', () =>
    checkElementwise({
      kernel: 'adagrad', signature: 'n p g h lr eps', given: { p, g, h: squares, lr: 0.1, eps: 1e-7 },
      reference: (s) => {
        const h = s.h + s.g * s.g;
        return { p: s.p - (s.lr * s.g) / (Math.sqrt(h) + s.eps), h };
      },
      tol: UPDATE,
    }));
  it('rmsprop', () =>
    checkElementwise({
      kernel: 'rmsprop', signature: 'n p g h lr decay eps', given: { p, g, h: squares, lr: 0.01, decay: 0.99, eps: 1e-7 },
      reference: (s) => {
        const h = s.decay * s.h + (1 - s.decay) * s.g * s.g;
        return { p: s.p - (s.lr * s.g) / (Math.sqrt(h) + s.eps), h };
      },
      tol: UPDATE,
    }));
  it('adam', () =>
    checkElementwise({
      kernel: 'adam', signature: 'n p g mo ve lrT beta1 beta2 eps',
      given: { p, g, mo: state, ve: squares, lrT: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
      reference: (s) => {
        const mo = s.mo + (1 - s.beta1) * (s.g - s.mo);
        const ve = s.ve + (1 - s.beta2) * (s.g * s.g - s.ve);
        return { p: s.p - (s.lrT * mo) / (Math.sqrt(ve) + s.eps), mo, ve };
      },
      tol: UPDATE,
    }));
});

describe('optimizers over several steps match their usual formulations', () => {
  const n = 37;
  const steps = 6;
  const grads = (t: number) => values(uniform(-1, 1, 100 + t), n);

  for (const dtype of DTYPES) {
    // f32 state is rounded at every step; allow for it to build up a little.
    const tol = dtype === 'f32' ? { rel: 1e-5, abs: 1e-6 } : { rel: 1e-13, abs: 1e-14 };

    it(`nesterov is PyTorch's SGD(nesterov=True): buf = mu buf + g; p -= lr (g + mu buf) (${dtype})`, () => {
      const lr = round(dtype, 0.1);
      const mu = round(dtype, 0.9);
      let params = values(p, n).map((x) => round(dtype, x));
      let v = new Array<number>(n).fill(0);
      const want = params.slice();
      const buf = new Array<number>(n).fill(0);
      for (let t = 0; t < steps; t++) {
        const gt = grads(t).map((x) => round(dtype, x));
        const r = call(`nesterov_${dtype}`, [n, inout(dtype, params), input(dtype, gt), inout(dtype, v), lr, mu]);
        params = Array.from(r.arrays[1]);
        v = Array.from(r.arrays[3]);
        for (let i = 0; i < n; i++) {
          buf[i] = mu * buf[i] + gt[i];
          want[i] -= lr * (gt[i] + mu * buf[i]);
        }
      }
      expectClose(`nesterov_${dtype} after ${steps} steps`, params, want, tol);
    });

    it(`adam with lrT = lr sqrt(1 - beta2^t) / (1 - beta1^t) is Adam with bias-corrected moments (${dtype})`, () => {
      const [lr, beta1, beta2, eps] = [0.01, 0.9, 0.999, 1e-8];
      let params = values(p, n).map((x) => round(dtype, x));
      let mo = new Array<number>(n).fill(0);
      let ve = new Array<number>(n).fill(0);
      const want = params.slice();
      const m = new Array<number>(n).fill(0);
      const s = new Array<number>(n).fill(0);
      for (let t = 1; t <= steps; t++) {
        const gt = grads(t).map((x) => round(dtype, x));
        const lrT = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
        const r = call(`adam_${dtype}`, [n, inout(dtype, params), input(dtype, gt), inout(dtype, mo), inout(dtype, ve), lrT, beta1, beta2, eps]);
        [params, mo, ve] = [Array.from(r.arrays[1]), Array.from(r.arrays[3]), Array.from(r.arrays[4])];
        for (let i = 0; i < n; i++) {
          m[i] = beta1 * m[i] + (1 - beta1) * gt[i];
          s[i] = beta2 * s[i] + (1 - beta2) * gt[i] * gt[i];
          const mHat = m[i] / (1 - beta1 ** t);
          const sHat = s[i] / (1 - beta2 ** t);
          // Moving the correction into lrT moves eps too: it acts as eps / sqrt(1 - beta2^t)
          // next to sqrt(sHat) (Kingma & Ba's "epsilon hat" ordering of the same step).
          want[i] -= (lr * mHat) / (Math.sqrt(sHat) + eps / Math.sqrt(1 - beta2 ** t));
        }
      }
      expectClose(`adam_${dtype} after ${steps} steps`, params, want, tol);
      expect(params.every(Number.isFinite)).toBe(true);
    });
  }
});
