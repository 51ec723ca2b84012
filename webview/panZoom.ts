// Pan and zoom of the drawn diagram: a CSS transform on the element holding the SVG, so a
// 300-container host stays usable. Buttons zoom in/out/fit/100%, Ctrl+wheel (and pinch) zooms
// around the pointer, the wheel and a drag on the background pan, + - 0 work from the keyboard.
// A re-render of the same request keeps the view; a new request starts fitted.

const MIN_SCALE = 0.05;
const MAX_SCALE = 4;
const STEP = 1.25;
/** The smallest zoom a new drawing opens at: below it labels stop being readable. */
const READABLE = 0.6;
/** How much of the drawing stays reachable at the viewport's edge when panning away from it. */
const EDGE = 48;

export class PanZoom {
  private scale = 1;
  private x = 0;
  private y = 0;
  private drag: { pointerId: number; startX: number; startY: number; x: number; y: number } | undefined;

  constructor(
    private readonly viewport: HTMLElement,
    private readonly canvas: HTMLElement,
    private readonly onChange: (scale: number) => void,
  ) {
    viewport.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    viewport.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    viewport.addEventListener('pointermove', (e) => this.onPointerMove(e));
    viewport.addEventListener('pointerup', (e) => this.endDrag(e));
    viewport.addEventListener('pointercancel', (e) => this.endDrag(e));
    viewport.addEventListener('keydown', (e) => this.onKey(e));
    // Tabbing to a node outside the view brings it into view (the viewport itself never scrolls).
    viewport.addEventListener('focusin', (e) => {
      if (e.target instanceof SVGGraphicsElement) this.reveal(e.target);
    });
  }

  get zoom(): number {
    return this.scale;
  }

  /** Where the view is: kept per tab, given back with setView when the tab is shown again. */
  view(): { scale: number; x: number; y: number } {
    return { scale: this.scale, x: this.x, y: this.y };
  }

  setView(v: { scale: number; x: number; y: number }): void {
    this.scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, v.scale));
    this.x = v.x;
    this.y = v.y;
    this.apply();
  }

  private size(): { w: number; h: number } {
    const svg = this.canvas.querySelector('svg');
    if (!svg) return { w: 0, h: 0 };
    const w = Number.parseFloat(svg.getAttribute('width') ?? '');
    const h = Number.parseFloat(svg.getAttribute('height') ?? '');
    if (w > 0 && h > 0) return { w, h };
    const box = svg.getBoundingClientRect();
    return { w: box.width / this.scale, h: box.height / this.scale };
  }

  private apply(): void {
    const { w, h } = this.size();
    const vw = this.viewport.clientWidth;
    const vh = this.viewport.clientHeight;
    // Keep at least EDGE pixels of the drawing inside the viewport.
    this.x = Math.min(Math.max(this.x, Math.min(0, EDGE - w * this.scale)), Math.max(0, vw - EDGE));
    this.y = Math.min(Math.max(this.y, Math.min(0, EDGE - h * this.scale)), Math.max(0, vh - EDGE));
    this.canvas.style.transform = `translate(${this.x}px, ${this.y}px) scale(${this.scale})`;
    this.onChange(this.scale);
  }

  /** Zooms by `factor` keeping the viewport point (cx, cy) still (default: the centre). */
  zoomBy(factor: number, cx = this.viewport.clientWidth / 2, cy = this.viewport.clientHeight / 2): void {
    const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, this.scale * factor));
    this.x = cx - ((cx - this.x) * scale) / this.scale;
    this.y = cy - ((cy - this.y) * scale) / this.scale;
    this.scale = scale;
    this.apply();
  }

  zoomIn(): void {
    this.zoomBy(STEP);
  }

  zoomOut(): void {
    this.zoomBy(1 / STEP);
  }

  /** The whole drawing in view, centred, never enlarged beyond 100%. */
  fit(): void {
    const { w, h } = this.size();
    const vw = this.viewport.clientWidth;
    const vh = this.viewport.clientHeight;
    if (w <= 0 || h <= 0 || vw <= 0 || vh <= 0) {
      this.scale = 1;
      this.x = 0;
      this.y = 0;
    } else {
      this.scale = Math.max(MIN_SCALE, Math.min(1, (vw - 16) / w, (vh - 16) / h));
      this.x = (vw - w * this.scale) / 2;
      this.y = Math.max(0, (vh - h * this.scale) / 2);
    }
    this.apply();
  }

  /** 100%, the drawing's top left corner in view. */
  actualSize(): void {
    this.scale = 1;
    this.x = 0;
    this.y = 0;
    this.apply();
  }

  /**
   * A new drawing's first view: all of it when it still reads (at READABLE or more); otherwise
   * as wide as the panel between READABLE and 100%, from the top (Fit shows the whole).
   */
  initialView(): void {
    const { w, h } = this.size();
    const vw = this.viewport.clientWidth;
    const vh = this.viewport.clientHeight;
    if (w <= 0 || h <= 0 || vw <= 0 || vh <= 0 || Math.min(1, (vw - 16) / w, (vh - 16) / h) >= READABLE) {
      this.fit();
      return;
    }
    this.scale = Math.min(1, Math.max(READABLE, (vw - 16) / w));
    this.x = w * this.scale <= vw ? (vw - w * this.scale) / 2 : 8;
    this.y = 8;
    this.apply();
  }

  /** A new drawing went in: its first view, or (same request re-rendered) the view as it was. */
  contentChanged(keepView: boolean): void {
    if (keepView) this.apply();
    else this.initialView();
  }

  private reveal(el: SVGGraphicsElement): void {
    const v = this.viewport.getBoundingClientRect();
    const r = el.getBoundingClientRect();
    let dx = 0;
    let dy = 0;
    if (r.left < v.left) dx = v.left - r.left + 16;
    else if (r.right > v.right) dx = v.right - r.right - 16;
    if (r.top < v.top) dy = v.top - r.top + 16;
    else if (r.bottom > v.bottom) dy = v.bottom - r.bottom - 16;
    if (dx === 0 && dy === 0) return;
    this.x += dx;
    this.y += dy;
    this.apply();
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const v = this.viewport.getBoundingClientRect();
    if (e.ctrlKey || e.metaKey) {
      this.zoomBy(Math.exp(-e.deltaY * 0.002), e.clientX - v.left, e.clientY - v.top);
    } else {
      this.x -= e.shiftKey && e.deltaX === 0 ? e.deltaY : e.deltaX;
      this.y -= e.shiftKey && e.deltaX === 0 ? 0 : e.deltaY;
      this.apply();
    }
  }

  private onPointerDown(e: PointerEvent): void {
    if (e.button !== 0 || !(e.target instanceof Element)) return;
    // A press on a node is a click on it; on the action bar, a button press.
    if (e.target.closest('g.node.clickable, g.edgeLabel.clickable, .action-bar')) return;
    this.drag = { pointerId: e.pointerId, startX: e.clientX, startY: e.clientY, x: this.x, y: this.y };
    this.viewport.setPointerCapture(e.pointerId);
    this.viewport.classList.add('panning');
  }

  private onPointerMove(e: PointerEvent): void {
    if (!this.drag || e.pointerId !== this.drag.pointerId) return;
    this.x = this.drag.x + e.clientX - this.drag.startX;
    this.y = this.drag.y + e.clientY - this.drag.startY;
    this.apply();
  }

  private endDrag(e: PointerEvent): void {
    if (!this.drag || e.pointerId !== this.drag.pointerId) return;
    this.drag = undefined;
    this.viewport.classList.remove('panning');
    if (this.viewport.hasPointerCapture(e.pointerId)) this.viewport.releasePointerCapture(e.pointerId);
  }

  private onKey(e: KeyboardEvent): void {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target instanceof Element && e.target.closest('.action-bar')) return;
    if (e.key === '+' || e.key === '=') this.zoomIn();
    else if (e.key === '-') this.zoomOut();
    else if (e.key === '0') this.fit();
    else return;
    e.preventDefault();
  }
}
