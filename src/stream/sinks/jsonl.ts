/**
 * Events as JSON Lines, one object per line, on stdout or appended to a file. Local writes do
 * not fail the way a network does, so there is no retry queue: the file stream's own buffer
 * holds what the disk has not taken yet, and `delivered` counts lines the OS accepted.
 */
import { EventEmitter } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { checkEvent, emptyStats, type EventSink, type SinkStats, type SinkEvent } from './sink';

export interface JsonlSinkOptions {
  /** A file to append to, or '-' (default) for stdout. */
  path?: string;
}

export class JsonlSink extends EventEmitter implements EventSink {
  readonly name: string;
  readonly stats: SinkStats = emptyStats();
  readonly #out: Writable;
  readonly #ownsStream: boolean;
  #closing: Promise<void> | undefined;

  constructor(options: JsonlSinkOptions = {}) {
    super();
    const path = options.path ?? '-';
    this.name = path === '-' ? 'jsonl:stdout' : `jsonl:${path}`;
    this.#ownsStream = path !== '-';
    this.#out = path === '-' ? process.stdout : createWriteStream(path, { flags: 'a' });
    // A disk that fails (full, removed) is recorded; the events written after it are counted as dropped.
    this.#out.on('error', (err) => (this.stats.lastError = err));
  }

  write(event: SinkEvent): void {
    checkEvent(event);
    this.stats.written++;
    if (this.#closing || this.stats.lastError) {
      this.stats.dropped++;
      this.emit('dropped', { event, reason: this.#closing ? 'the sink is closed' : `cannot write: ${this.stats.lastError!.message}` });
      return;
    }
    this.stats.queued++;
    this.#out.write(`${JSON.stringify(event)}\n`, (err) => {
      this.stats.queued--;
      if (err) {
        this.stats.dropped++;
        this.emit('dropped', { event, reason: `cannot write: ${err.message}` });
      } else this.stats.delivered++;
    });
  }

  flush(): Promise<void> {
    if (this.stats.queued === 0) return Promise.resolve();
    // An empty write's callback runs after every earlier write's.
    return new Promise((resolve) => this.#out.write('', () => resolve()));
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.flush();
      if (this.#ownsStream) await new Promise<void>((resolve) => this.#out.end(() => resolve()));
    })();
    return this.#closing;
  }
}
