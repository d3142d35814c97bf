import { createConnection, createServer, Server, Socket } from 'node:net';

type Mode = 'open' | 'stalled' | 'refusing';

interface Pair {
  client: Socket;
  upstream: Socket | null;
  /** bytes held while stalled, each way (delivered on heal, like TCP retransmits once a partition heals) */
  toUpstream: Buffer[];
  toClient: Buffer[];
}

/**
 * A TCP proxy between the engine and PostgreSQL, for outages the database itself never has: the test points the
 * engine's DATABASE_URL at it and keeps its own connections direct, so it can watch the database while the engine
 * cannot reach it.
 *
 * - `stall()`: a network black hole. Nothing is forwarded either way, connections stay open, new ones are accepted
 *   and hang; a query in flight neither answers nor fails (the engine's transaction just waits).
 * - `refuse()`: the database is gone. Every connection is reset (ECONNRESET) and new ones are refused (ECONNREFUSED).
 * - `heal()`: forwarding again (a stalled connection gets what was held back; the listener is reopened).
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly pairs = new Set<Pair>();
  private mode: Mode = 'open';
  port = 0;

  private constructor(private readonly targetHost: string, private readonly targetPort: number) {}

  /** Listens on 127.0.0.1 (a free port) and forwards to the host and port of `databaseUrl`. */
  static async start(databaseUrl: string): Promise<TcpProxy> {
    const url = new URL(databaseUrl);
    const proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
    await proxy.listen(0);
    return proxy;
  }

  /** `databaseUrl` with this proxy's host and port. */
  url(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  get connections(): number {
    return this.pairs.size;
  }

  stall(): void {
    this.mode = 'stalled';
  }

  async refuse(): Promise<void> {
    this.mode = 'refusing';
    for (const pair of [...this.pairs]) this.drop(pair);
    await this.unlisten();
  }

  async heal(): Promise<void> {
    this.mode = 'open';
    if (!this.server) await this.listen(this.port);
    for (const pair of this.pairs) {
      if (!pair.upstream) this.connectUpstream(pair);
      this.flush(pair);
    }
  }

  async close(): Promise<void> {
    this.mode = 'refusing';
    for (const pair of [...this.pairs]) this.drop(pair);
    await this.unlisten();
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.port = (server.address() as { port: number }).port;
  }

  private async unlisten(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode === 'refusing') {
      reset(client);
      return;
    }
    const pair: Pair = { client, upstream: null, toUpstream: [], toClient: [] };
    this.pairs.add(pair);
    client.setNoDelay(true);
    client.on('data', (chunk) => {
      if (this.mode === 'open' && pair.upstream) pair.upstream.write(chunk);
      else pair.toUpstream.push(chunk);
    });
    client.on('error', () => undefined);
    client.on('close', () => this.drop(pair));
    if (this.mode === 'open') this.connectUpstream(pair);
  }

  private connectUpstream(pair: Pair): void {
    const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
    pair.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on('connect', () => this.flush(pair));
    upstream.on('data', (chunk) => {
      if (this.mode === 'open') pair.client.write(chunk);
      else pair.toClient.push(chunk);
    });
    upstream.on('error', () => undefined);
    upstream.on('close', () => this.drop(pair));
  }

  private flush(pair: Pair): void {
    if (this.mode !== 'open' || !pair.upstream || pair.upstream.connecting) return;
    for (const chunk of pair.toUpstream.splice(0)) pair.upstream.write(chunk);
    for (const chunk of pair.toClient.splice(0)) pair.client.write(chunk);
  }

  private drop(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.toUpstream.length = 0;
    pair.toClient.length = 0;
    reset(pair.client);
    if (pair.upstream) reset(pair.upstream);
  }
}

/** Closes a socket with a TCP RST (ECONNRESET on the other side), or plainly when it has no connection yet. */
function reset(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
