/**
 * Elementary functions that give the same bits in every JavaScript engine.
 *
 * JavaScript's Math.exp, log, sin, cos, pow, tanh, ... are "implementation-approximated": V8 in
 * Node 20 and in Chromium 156 differ in the last bit on 3-11% of arguments. Every number that
 * reaches a tensor (normal deviates, spiral data, learning-rate factors, Adam's bias correction)
 * is computed with these instead. They use only operations IEEE 754 rounds exactly (+ - * /,
 * Math.sqrt, Math.round, bit access), and each is within about one ulp of the true value (tested
 * against a 300-bit reference).
 */
export { exp, expm1, tanh } from './exp.js';
export { log } from './log.js';
export { sin, cos, sinPi, cosPi, sinCosPi, TRIG_MAX_ARGUMENT } from './trig.js';
export { pow, powInt } from './pow.js';
