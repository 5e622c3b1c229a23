/**
 * The store's dedicated LISTEN connection, and with it the node's view of whether the database is
 * reachable: up while it is connected, down as soon as it errors or ends (a stopped server ends
 * every session at once), then retried with a capped backoff until it is back.
 */
import type { Client } from 'pg';
import { translate } from './errors';

export interface LinkEvents {
  up(): void;
  down(err: Error): void;
  notify(): void;
}

const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 1000;

export class ListenLink {
  private client: Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private retryMs = RETRY_FIRST_MS;
  private closed = false;
  private connecting = false;

  constructor(
    private readonly makeClient: () => Client,
    private readonly channel: string,
    private readonly location: string,
    private readonly events: LinkEvents,
  ) {}

  get isUp(): boolean {
    return this.client !== null;
  }

  /** The first connection: its failure is the caller's (a typed error), no retry. */
  async start(): Promise<void> {
    this.client = await this.connect();
  }

  /** Another connection found the database gone before this one noticed. */
  lost(err: Error): void {
    if (!this.client) return;
    this.drop(err);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }

  private async connect(): Promise<Client> {
    const client = this.makeClient();
    // Errors before 'connect' resolves reach the promise; later ones the listener below.
    client.on('error', (err) => this.drop(err, client));
    client.on('end', () => this.drop(new Error('Connection terminated unexpectedly'), client));
    client.on('notification', () => this.events.notify());
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (err) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      throw translate(err, 'connect', this.location);
    }
    return client;
  }

  private drop(err: Error, which: Client | null = this.client): void {
    if (which !== this.client || this.client === null) return;
    const client = this.client;
    this.client = null;
    client.removeAllListeners('notification');
    client.on('error', () => undefined);
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.events.down(translate(err, 'listen', this.location));
    this.schedule();
  }

  private schedule(): void {
    if (this.closed || this.timer || this.connecting) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.retry();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }

  private async retry(): Promise<void> {
    if (this.closed) return;
    this.connecting = true;
    try {
      const client = await this.connect();
      this.connecting = false;
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      this.retryMs = RETRY_FIRST_MS;
      this.events.up();
    } catch {
      this.connecting = false;
      this.schedule();
    }
  }
}
