/**
 * The store's link to PostgreSQL: one node-postgres Pool for queries, with the timeouts that keep
 * anything from hanging, and a factory for the one dedicated LISTEN client (a pooled connection
 * cannot hold a LISTEN: it goes back to the pool between queries).
 *
 * Two timeouts per statement: the server's `statement_timeout` (a clean 57014 and the server
 * stops working), and node-postgres's `query_timeout` a little later as the backstop for a
 * server that stopped answering altogether (it cannot cancel anything then).
 */
import { Client, ClientConfig, Pool, PoolClient, QueryResultRow } from 'pg';
import { translate } from './errors';
import type { ParsedUrl } from './url';

export interface ConnectionOptions {
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  poolSize: number;
}

/** Slack between the server's statement timeout and the client's backstop. */
const BACKSTOP_MS = 1000;

export class Connection {
  readonly location: string;
  private readonly pool: Pool;
  private readonly config: ClientConfig;

  constructor(url: ParsedUrl, readonly options: ConnectionOptions) {
    this.location = url.redacted;
    this.config = {
      connectionString: url.connectionString,
      connectionTimeoutMillis: options.connectTimeoutMs,
      statement_timeout: options.statementTimeoutMs,
      query_timeout: options.statementTimeoutMs + BACKSTOP_MS,
      keepAlive: true,
      application_name: 'ov-face-reid',
    };
    this.pool = new Pool({ ...this.config, max: options.poolSize, idleTimeoutMillis: 10_000 });
    // An idle pooled connection that dies (server restart) is dropped by the pool; without a
    // listener the 'error' event would crash the process.
    this.pool.on('error', () => undefined);
    // A checked-out connection has no pool listener: the server ending it between two statements
    // of a transaction would be an unhandled 'error' event. The failure reaches the caller
    // through the next query anyway.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  async query<R extends QueryResultRow = QueryResultRow>(what: string, text: string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, params)).rows;
    } catch (err) {
      throw translate(err, what, this.location);
    }
  }

  /**
   * `fn` inside BEGIN [mode] ... COMMIT on one pooled connection. On any failure the connection is
   * destroyed rather than rolled back: that also works when the server is gone or frozen (the
   * server aborts the transaction of a closed connection), and nothing half-done is reused.
   */
  async transaction<T>(what: string, fn: (client: PoolClient) => Promise<T>, mode = ''): Promise<T> {
    return this.session(what, async (client) => {
      await client.query(mode ? `BEGIN ${mode}` : 'BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    });
  }

  /** `fn` with one pooled connection that manages its own transactions (migrations). */
  async session<T>(what: string, fn: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw translate(err, what, this.location);
    }
    try {
      const result = await fn(client);
      client.release();
      return result;
    } catch (err) {
      client.release(true);
      throw translate(err, what, this.location);
    }
  }

  /** A fresh unpooled client with the same settings (for LISTEN). */
  client(): Client {
    return new Client(this.config);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
