import type { Socket } from 'node:net';

/** Longest a connection is kept after an early answer to drop what the client still sends. */
export const LINGER_MAX_MS = 3000;
/** A connection quiet this long after an early answer is closed. */
export const LINGER_IDLE_MS = 250;
/** Most bytes read and dropped after an early answer before the connection is closed anyway. */
export const LINGER_BYTES = 1024 * 1024;

const lingering = new WeakSet<Socket>();

/**
 * A lingering close (as nginx's `lingering_close`) for a connection whose request is answered
 * before its body was read: the answer goes out with `Connection: close`, the write side is
 * ended, and what the client is still sending is read and dropped until it stops (quiet for
 * `LINGER_IDLE_MS`), `LINGER_BYTES` arrived or `LINGER_MAX_MS` passed; only then is the socket
 * closed. Closing at once, with unread bytes, makes the kernel reset the connection, and a
 * client still sending a small form loses the answer (EPIPE, ECONNRESET) instead of reading it.
 * Node's HTTP server ends such a connection through `socket.destroySoon()`: this socket's
 * own `destroySoon` is replaced.
 */
export function lingerOnClose(socket: Socket): void {
  if (lingering.has(socket)) return;
  lingering.add(socket);
  socket.destroySoon = function (this: Socket) {
    if (this.writable) this.end();
    const start = this.bytesRead;
    let last = start;
    const close = () => {
      clearInterval(tick);
      clearTimeout(cap);
      if (this.writableFinished || this.destroyed) this.destroy();
      else this.once('finish', () => this.destroy());
    };
    const tick = setInterval(() => {
      const now = this.bytesRead;
      if (now === last || now - start > LINGER_BYTES) close();
      last = now;
    }, LINGER_IDLE_MS);
    const cap = setTimeout(close, LINGER_MAX_MS);
    tick.unref();
    cap.unref();
    this.once('end', close);
    this.once('close', () => {
      clearInterval(tick);
      clearTimeout(cap);
    });
    this.resume();
  };
}
