// timeline.mjs — the checker page's timeline chart: one horizontal bar per
// URL from when its check started to when it ended, on a shared time axis,
// so a concurrent run shows overlapping bars and a sequential one a
// staircase. Bars are drawn on a canvas (a redraw costs no layout, however
// many bars); the axis ticks are HTML; each bar is also listed, with its
// times and a description, in the canvas's fallback content, which screen
// readers and tests read and the browser never lays out. Pointing at a bar
// (or tapping it) shows its label, the URL, outcome and time, in a tooltip.
// Changes are applied in flush(), once per animation frame.
import { t } from './i18n.mjs';

const ROW_PX = 14;
const MIN_PX = 48;
const MAX_PX = 420;
const MIN_DOMAIN_MS = 100;
const MAX_TICKS = 6;
// The CSS custom property holding each state's colour (demo.css).
const COLOUR_VARS = {
  running: '--running',
  ok: '--ok',
  'http-error': '--http-error',
  error: '--fail',
  hidden: '--hidden',
  cancelled: '--cancelled',
};

// The smallest "round" number of ms (1, 1.5, 2, 3, 4, 5, 6, 8 times a power
// of ten) at or above ms: the axis grows in steps, not every frame.
function niceCeil(ms) {
  const power = 10 ** Math.floor(Math.log10(ms));
  for (const m of [1, 1.5, 2, 3, 4, 5, 6, 8, 10]) if (m * power >= ms) return m * power;
  return 10 * power;
}

// A tick step (1, 2 or 5 times a power of ten) giving at most MAX_TICKS ticks.
function tickStep(domain) {
  let power = 10 ** Math.floor(Math.log10(domain / MAX_TICKS));
  for (;;) {
    for (const m of [1, 2, 5]) if (domain / (m * power) <= MAX_TICKS) return m * power;
    power *= 10;
  }
}

// An axis label: "0", "500 ms", "1.5 s".
function tickLabel(ms) {
  if (ms === 0) return '0';
  if (ms < 1000) return t('milliseconds', { n: Math.round(ms) });
  return t('seconds', { n: Number((ms / 1000).toFixed(2)) });
}

export class Timeline {
  /** Draws into `container` (an element of its own). */
  constructor(container) {
    this.plot = document.createElement('div');
    this.plot.className = 'timeline-plot';
    this.canvas = document.createElement('canvas');
    this.list = document.createElement('ol'); // the fallback content: one item per bar
    this.list.className = 'timeline-bars';
    this.canvas.append(this.list);
    this.grid = document.createElement('div');
    this.grid.className = 'timeline-grid';
    this.tip = document.createElement('div');
    this.tip.className = 'timeline-tip';
    this.tip.setAttribute('role', 'tooltip');
    this.tip.hidden = true;
    this.plot.append(this.canvas, this.grid, this.tip);
    container.append(this.plot);
    const point = (event) => this.showTip(event.offsetX, event.offsetY);
    this.canvas.addEventListener('pointermove', point);
    this.canvas.addEventListener('pointerdown', point);
    this.canvas.addEventListener('pointerleave', () => {
      this.tip.hidden = true;
    });
    this.size = { width: 0, height: 0 }; // CSS px, from the ResizeObserver (never read from layout)
    new ResizeObserver(([entry]) => {
      const box = entry.contentBoxSize?.[0];
      this.size = box
        ? { width: box.inlineSize, height: box.blockSize }
        : { width: entry.contentRect.width, height: entry.contentRect.height };
      this.redraw = true;
      this.flush(this.lastNow);
    }).observe(this.plot);
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
      this.colours = null;
      this.redraw = true;
      this.flush(this.lastNow);
    });
    this.reset(0);
  }

  /** Empties the chart and makes room for `count` rows. */
  reset(count) {
    this.count = count;
    this.bars = new Map(); // index -> {item, start, end|null, state, label}
    this.domain = 0; // ms the axis spans; 0: no axis (no bar yet)
    this.lastNow = 0;
    this.redraw = true;
    this.list.replaceChildren();
    this.grid.replaceChildren();
    this.plot.style.height = `${Math.min(MAX_PX, Math.max(MIN_PX, count * ROW_PX))}px`;
  }

  /** Row `index` started at `at` ms (relative to the run's start). */
  start(index, at) {
    const bar = this.bar(index);
    Object.assign(bar, { start: at, end: null, state: 'running', label: '' });
    this.describe(bar);
  }

  /** Row `index` ran from `start` to `end` ms and ended in `state`; `label` describes it. */
  finish(index, start, end, state, label) {
    const bar = this.bar(index);
    Object.assign(bar, { start, end: Math.max(end, start), state, label });
    this.describe(bar);
  }

  bar(index) {
    let bar = this.bars.get(index);
    if (!bar) {
      const item = document.createElement('li');
      item.dataset.index = index;
      this.list.append(item);
      bar = { item, start: 0, end: null, state: 'running', label: '' };
      this.bars.set(index, bar);
    }
    this.redraw = true;
    return bar;
  }

  // The bar's entry in the fallback list.
  describe(bar) {
    const { item } = bar;
    item.dataset.state = bar.state;
    item.dataset.start = Math.round(bar.start);
    if (bar.end === null) delete item.dataset.end;
    else item.dataset.end = Math.round(bar.end);
    item.textContent = bar.label;
  }

  /** Draws what changed; running bars reach `now` ms. Cheap when nothing did. */
  flush(now) {
    this.lastNow = now;
    let latest = 0;
    let running = false;
    for (const bar of this.bars.values()) {
      running ||= bar.end === null;
      latest = Math.max(latest, bar.end ?? now);
    }
    // No bar yet, no axis (0); then the axis grows in steps.
    const domain = this.bars.size ? niceCeil(Math.max(MIN_DOMAIN_MS, latest * 1.05)) : 0;
    if (domain !== this.domain) {
      this.domain = domain;
      this.drawTicks();
      this.redraw = true;
    }
    if (this.redraw || running) this.draw(now);
    this.redraw = false;
  }

  draw(now) {
    const { width, height } = this.size;
    if (!width || !height) return;
    const ratio = devicePixelRatio || 1;
    const [w, h] = [Math.round(width * ratio), Math.round(height * ratio)];
    if (this.canvas.width !== w || this.canvas.height !== h) Object.assign(this.canvas, { width: w, height: h });
    const ctx = this.canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    this.colours ??= this.readColours();
    const rowPx = height / Math.max(this.count, 1);
    const barPx = Math.max(1, rowPx * 0.7);
    const pxPerMs = width / this.domain;
    for (const [index, bar] of this.bars) {
      const end = bar.end ?? Math.max(now, bar.start);
      ctx.globalAlpha = bar.end === null ? 0.55 : 1;
      ctx.fillStyle = this.colours[bar.state] ?? this.colours.running;
      // At least 1.5 px wide, so a 1 ms check still shows.
      ctx.fillRect(
        bar.start * pxPerMs,
        index * rowPx + (rowPx - barPx) / 2,
        Math.max(1.5, (end - bar.start) * pxPerMs),
        barPx,
      );
    }
    ctx.globalAlpha = 1;
  }

  /** The bar at (x, y) CSS px in the plot, or null. */
  barAt(x, y) {
    const { width, height } = this.size;
    if (!width || !height || !this.domain) return null;
    const bar = this.bars.get(Math.floor(y / (height / Math.max(this.count, 1))));
    if (!bar) return null;
    const pxPerMs = width / this.domain;
    const end = bar.end ?? Math.max(this.lastNow, bar.start);
    // A little slack around thin bars, so a short check can be pointed at.
    return x >= bar.start * pxPerMs - 4 && x <= end * pxPerMs + 4 ? bar : null;
  }

  // Shows the label of the bar at (x, y), or hides the tooltip.
  showTip(x, y) {
    const bar = this.barAt(x, y);
    const text = bar ? bar.label || bar.item.textContent : '';
    this.tip.hidden = !text;
    if (!text) return;
    this.tip.textContent = text;
    const { width } = this.size;
    this.tip.style.top = `${y + 12}px`;
    this.tip.style.left = x > width / 2 ? '' : `${x + 8}px`;
    this.tip.style.right = x > width / 2 ? `${width - x + 8}px` : '';
  }

  readColours() {
    const style = getComputedStyle(this.plot);
    return Object.fromEntries(
      Object.entries(COLOUR_VARS).map(([state, name]) => [state, style.getPropertyValue(name).trim() || 'gray']),
    );
  }

  /** Redraws the axis labels (after a language switch too). */
  drawTicks() {
    if (!this.domain) return this.grid.replaceChildren();
    const step = tickStep(this.domain);
    const ticks = [];
    for (let at = 0; at <= this.domain + 1e-9; at += step) {
      const tick = document.createElement('span');
      tick.className = 'tick';
      tick.style.left = `${(at / this.domain) * 100}%`;
      const label = document.createElement('span');
      label.textContent = tickLabel(at);
      tick.append(label);
      ticks.push(tick);
    }
    this.grid.replaceChildren(...ticks);
  }
}
