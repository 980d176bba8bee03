import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real Redis, for faults that must land between two particular commands:
 * once `cutAt` is set, the first client-to-server chunk containing it is not forwarded, every
 * connection is cut, and new ones are refused until `heal()`: to its client, Redis has gone away
 * right at that command.
 */
export class RedisCutProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private cutAt: string | null = null;
  private down = false;
  port = 0;
  /** How many times the proxy cut (each cut ends every connection). */
  cuts = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((client) => {
      if (this.down) {
        client.destroy();
        return;
      }
      const upstream = connect(this.targetPort, this.targetHost);
      this.sockets.add(client).add(upstream);
      const forget = () => {
        this.sockets.delete(client);
        this.sockets.delete(upstream);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', forget).on('error', forget);
      upstream.on('close', forget).on('error', forget);
      client.on('data', (chunk: Buffer) => {
        if (this.cutAt !== null && chunk.includes(this.cutAt)) {
          this.cutAt = null;
          this.cut();
          return;
        }
        upstream.write(chunk);
      });
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  /** Arms the cut: the next command whose bytes contain `marker` never reaches Redis. */
  armCut(marker: string): void {
    this.cutAt = marker;
  }

  /** Lets clients connect again. */
  heal(): void {
    this.down = false;
  }

  private cut(): void {
    this.down = true;
    this.cuts++;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }
}
