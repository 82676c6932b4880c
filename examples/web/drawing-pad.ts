/**
 * A canvas to draw a digit on with a mouse, pen or finger (pointer events): white ink on black,
 * as in MNIST. After every stroke segment it hands the drawing, made MNIST-like (28x28, 784
 * values in [0, 1]), to `onChange`.
 */
import { centerLikeMnist, FIELD } from './mnist-centering.js';

/** Brush diameter in canvas pixels: about MNIST's stroke width once a digit is scaled to 20 px. */
const BRUSH = 20;

export class DrawingPad {
  private readonly context: CanvasRenderingContext2D;
  private last: { x: number; y: number } | null = null;
  private changed = false;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly preview: HTMLCanvasElement,
    private readonly onChange: (pixels: Float32Array) => void,
  ) {
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('DrawingPad: this browser gives no 2D canvas context');
    this.context = context;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.lineWidth = BRUSH;
    context.strokeStyle = '#fff';
    context.fillStyle = '#fff';
    this.clear();
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', () => this.up());
    canvas.addEventListener('pointercancel', () => this.up());
  }

  clear(): void {
    const { context, canvas } = this;
    context.save();
    context.fillStyle = '#000';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.restore();
    this.last = null;
    this.showPreview(new Float32Array(FIELD * FIELD));
  }

  /** The drawing as an MNIST input (28x28 values in [0, 1]). */
  pixels(): Float32Array {
    const { width, height } = this.canvas;
    const rgba = this.context.getImageData(0, 0, width, height).data;
    const ink = new Float32Array(width * height);
    for (let i = 0; i < ink.length; i++) ink[i] = rgba[4 * i] / 255;
    return centerLikeMnist(ink, width, height);
  }

  /** Pointer position in canvas pixels (the element may be shown at another size). */
  private point(e: PointerEvent): { x: number; y: number } {
    const box = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - box.left) * this.canvas.width) / box.width, y: ((e.clientY - box.top) * this.canvas.height) / box.height };
  }

  private down(e: PointerEvent): void {
    e.preventDefault();
    this.canvas.setPointerCapture(e.pointerId);
    const p = this.point(e);
    this.context.beginPath();
    this.context.arc(p.x, p.y, BRUSH / 2, 0, 2 * Math.PI);
    this.context.fill();
    this.last = p;
    this.scheduleUpdate();
  }

  private move(e: PointerEvent): void {
    if (!this.last) return;
    const p = this.point(e);
    this.context.beginPath();
    this.context.moveTo(this.last.x, this.last.y);
    this.context.lineTo(p.x, p.y);
    this.context.stroke();
    this.last = p;
    this.scheduleUpdate();
  }

  private up(): void {
    this.last = null;
  }

  /** At most one update per animation frame, however many pointer events arrive. */
  private scheduleUpdate(): void {
    if (this.changed) return;
    this.changed = true;
    requestAnimationFrame(() => {
      this.changed = false;
      const pixels = this.pixels();
      this.showPreview(pixels);
      this.onChange(pixels);
    });
  }

  private showPreview(pixels: Float32Array): void {
    const context = this.preview.getContext('2d');
    if (!context) return;
    const image = context.createImageData(FIELD, FIELD);
    for (let i = 0; i < pixels.length; i++) {
      const v = Math.round(pixels[i] * 255);
      image.data.set([v, v, v, 255], 4 * i);
    }
    context.putImageData(image, 0, 0);
  }
}
