import type { Socket } from 'node:net';

/**
 * What one synchronous run sends on a socket, written as one write when the
 * run is done. Node's TLS socket finishes a write a loop turn later and keeps
 * any write made meanwhile in memory ("simulate asynchronous finishing" in
 * TLSWrap), so a second frame of the same run (an entry after its close, the
 * next symbol's order) waited behind all the work left in that turn. Over
 * loopback TCP each write also wakes the other side (0.15-0.2 ms a write,
 * measured with TWS's fake): one write per run pays that once.
 */
export class RunBatch {
  private pending: { socket: Socket; chunks: Uint8Array[] } | null = null;

  /** Queues bytes for `socket`: they leave with the rest of this run's. */
  add(socket: Socket, bytes: Uint8Array): void {
    if (this.pending?.socket !== socket) {
      const batch = { socket, chunks: [] as Uint8Array[] };
      this.pending = batch;
      queueMicrotask(() => this.write(batch));
    }
    this.pending.chunks.push(bytes);
  }

  /** Writes what is queued now: called before the socket is destroyed, so what was sent still leaves, as a write before a destroy always did. */
  flush(): void {
    if (this.pending) this.write(this.pending);
  }

  private write(batch: { socket: Socket; chunks: Uint8Array[] }): void {
    if (this.pending === batch) this.pending = null;
    const chunks = batch.chunks;
    batch.chunks = [];
    if (chunks.length === 0 || batch.socket.destroyed || !batch.socket.writable) return;
    batch.socket.write(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
  }
}
