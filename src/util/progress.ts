/**
 * A generic progress reporter for long loops (downloads, LFW evaluation, enrolment).
 * On a terminal it redraws one line: label, bar, percent, done/total, rate and ETA.
 * Elsewhere (CI logs, pipes) redrawing would spam carriage returns, so it prints a plain line
 * every `intervalMs`. `quiet` silences it entirely. It never writes to stdout by default, so
 * commands can keep stdout for their results.
 */

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Units expected in total; omit (or 0) when unknown: no bar, percent or ETA then. */
  total?: number;
  /** 'bytes' formats amounts as B/KiB/MiB/GiB; any other string labels counts ("images", "pairs"). */
  unit?: string;
  /** Text in front of the bar. */
  label?: string;
  /** Default process.stderr. */
  stream?: ProgressStream;
  quiet?: boolean;
  /** Non-TTY: milliseconds between lines (default 5000). */
  intervalMs?: number;
  /** TTY: minimum milliseconds between redraws (default 100). */
  redrawMs?: number;
  /** Clock in milliseconds (tests inject one). */
  now?: () => number;
}

const BAR_WIDTH = 24;

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(value)} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[i]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (x: number) => String(x).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

export class Progress {
  private readonly unit: string;
  private readonly stream: ProgressStream;
  private readonly quiet: boolean;
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private readonly redrawMs: number;
  private readonly now: () => number;
  private readonly started: number;
  private total: number;
  private label: string;
  private current = 0;
  private lastOutput = -Infinity;
  private finished = false;

  constructor(options: ProgressOptions = {}) {
    this.total = options.total && options.total > 0 ? options.total : 0;
    this.unit = options.unit ?? 'items';
    this.label = options.label ?? '';
    this.stream = options.stream ?? process.stderr;
    this.quiet = options.quiet ?? false;
    this.tty = Boolean(this.stream.isTTY);
    this.intervalMs = options.intervalMs ?? 5000;
    this.redrawMs = options.redrawMs ?? 100;
    this.now = options.now ?? Date.now;
    this.started = this.now();
  }

  get value(): number {
    return this.current;
  }

  /** Records `n` more units done and redraws if it is time to. */
  tick(n = 1): void {
    this.current += n;
    this.maybeRender();
  }

  /** For loops whose size becomes known (or changes) on the way. */
  setTotal(total: number): void {
    this.total = total > 0 ? total : 0;
    this.maybeRender();
  }

  setLabel(label: string): void {
    this.label = label;
    this.maybeRender();
  }

  /** Prints the final line (ending the redrawn one) with the elapsed time; later calls do nothing. */
  done(message?: string): void {
    if (this.finished) return;
    this.finished = true;
    if (this.quiet) return;
    const elapsed = (this.now() - this.started) / 1000;
    const line = message ?? `${this.label ? `${this.label} ` : ''}${this.amount(this.current)}${this.unitSuffix()} in ${formatDuration(elapsed)}`;
    this.stream.write(this.tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }

  /** The status line as it would be printed now (no bar when the total is unknown). */
  line(): string {
    const elapsed = (this.now() - this.started) / 1000;
    const rate = elapsed > 0 ? this.current / elapsed : 0;
    const parts: string[] = [];
    if (this.label) parts.push(this.label);
    if (this.total > 0) {
      const fraction = Math.min(1, this.current / this.total);
      const filled = Math.round(fraction * BAR_WIDTH);
      if (this.tty) parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`);
      parts.push(`${(fraction * 100).toFixed(0).padStart(3)}%`);
      parts.push(`${this.amount(this.current)}/${this.amount(this.total)}${this.unitSuffix()}`);
    } else {
      parts.push(`${this.amount(this.current)}${this.unitSuffix()}`);
    }
    if (rate > 0) parts.push(this.unit === 'bytes' ? `${formatBytes(rate)}/s` : `${rate < 100 ? rate.toFixed(1) : Math.round(rate)} ${this.unit}/s`);
    if (this.total > 0 && rate > 0) parts.push(`ETA ${formatDuration(Math.max(0, this.total - this.current) / rate)}`);
    return parts.join(' ');
  }

  private amount(n: number): string {
    if (this.unit === 'bytes') return formatBytes(n);
    return Number.isInteger(n) ? String(n) : n.toFixed(1);
  }

  private unitSuffix(): string {
    return this.unit === 'bytes' ? '' : ` ${this.unit}`;
  }

  private maybeRender(): void {
    if (this.quiet || this.finished) return;
    const t = this.now();
    if (t - this.lastOutput < (this.tty ? this.redrawMs : this.intervalMs)) return;
    this.lastOutput = t;
    let text = this.line();
    if (this.tty) {
      // Never wrap: a wrapped line cannot be redrawn with \r.
      const width = (this.stream.columns ?? 80) - 1;
      if (text.length > width) text = text.slice(text.length - width);
      this.stream.write(`\r\x1b[2K${text}`);
    } else {
      this.stream.write(`${text}\n`);
    }
  }
}
