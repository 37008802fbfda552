/**
 * The server's sign of life: an empty awareness update, which the provider applies as a no-op
 * (`KEEPALIVE` in server/src/routes/sync.ts).
 */
const KEEPALIVE = Uint8Array.of(1, 1, 0);

type Handler<E> = ((event: E) => void) | null;

/**
 * What a frame from the server is handed to: `deliver` passes it on to the provider (once, or
 * never for a frame the provider has no use for).
 */
export type FrameTap = (frame: Uint8Array, deliver: () => void) => void;

/**
 * The sockets of one y-websocket provider, seen from outside it: `WebSocket` is the class to give
 * the provider as its `WebSocketPolyfill` (a platform WebSocket wrapped). Every frame from the
 * server goes through the tap before the provider reads it; the watch keeps when the open socket
 * last heard from the server and can send on it.
 *
 * @example
 * const link = new LinkWatch((frame, deliver) => deliver());
 * new WebsocketProvider(url, room, doc, { WebSocketPolyfill: link.WebSocket });
 */
export class LinkWatch {
  /** The class the provider makes its sockets with. */
  readonly WebSocket: typeof WebSocket;
  /** When the socket in use opened or last received a frame (ms); 0 before one opened. */
  heardAt = 0;
  private socket: LinkSocket | null = null;
  /** When the provider last read a frame, the watch's own keepalives included. */
  private deliveredAt = 0;

  constructor(private readonly tap: FrameTap) {
    this.WebSocket = socketClassOf(this);
  }

  /** Send `frame` on the socket in use if it is open; false when there is none. */
  send(frame: Uint8Array): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== socket.OPEN) return false;
    socket.send(frame);
    return true;
  }

  /**
   * The provider drops a socket that gave it nothing for 30 s (not configurable). While this
   * page allows a longer silence (a large answer on a slow link), it hands the provider the
   * server's own no-op keepalive whenever the provider has read nothing for `quietMs`.
   * `heardAt` is not touched: the server has still said nothing.
   */
  keepProviderAwake(quietMs: number): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== socket.OPEN || Date.now() - this.deliveredAt < quietMs) return;
    this.deliveredAt = Date.now();
    socket.deliver({ data: KEEPALIVE.slice().buffer } as MessageEvent);
  }

  /** @internal A socket the provider made has opened. */
  opened(socket: LinkSocket): void {
    this.socket = socket;
    this.heardAt = this.deliveredAt = Date.now();
  }

  /** @internal The socket closed, or the provider let go of it. */
  closed(socket: LinkSocket): void {
    if (this.socket === socket) this.socket = null;
  }

  /** @internal A frame arrived on `socket`; `deliver` gives it to the provider. */
  received(socket: LinkSocket, data: unknown, deliver: () => void): void {
    if (socket === this.socket) this.heardAt = Date.now();
    this.tap(new Uint8Array(data as ArrayBuffer), () => {
      this.deliveredAt = Date.now();
      deliver();
    });
  }
}

/** The WebSocket class of `watch`'s provider: what it makes reports to `watch`. */
function socketClassOf(watch: LinkWatch): typeof WebSocket {
  return class extends LinkSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(watch, url, protocols);
    }
  } as unknown as typeof WebSocket;
}

/** A platform WebSocket (whatever `WebSocket` is when made) with the provider's handlers in front. */
class LinkSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;
  onopen: Handler<Event> = null;
  onclose: Handler<CloseEvent> = null;
  onerror: Handler<Event> = null;
  private readonly ws: WebSocket;
  /** The provider's message handler, and the same behind the watch's tap. */
  private handler: Handler<MessageEvent> = null;
  private tapped: Handler<MessageEvent> = null;

  constructor(
    private readonly watch: LinkWatch,
    url: string | URL,
    protocols?: string | string[],
  ) {
    this.ws = new WebSocket(url, protocols);
    this.ws.binaryType = 'arraybuffer';
    this.ws.onopen = (e) => {
      watch.opened(this);
      this.onopen?.(e);
    };
    this.ws.onmessage = (e) => this.onmessage?.(e);
    this.ws.onclose = (e) => {
      watch.closed(this);
      this.onclose?.(e);
    };
    this.ws.onerror = (e) => this.onerror?.(e);
  }

  get readyState(): number {
    return this.ws.readyState;
  }

  get binaryType(): BinaryType {
    return this.ws.binaryType;
  }

  set binaryType(type: BinaryType) {
    this.ws.binaryType = type;
  }

  /** Reads back as the tapped handler: a frame handed to it goes through the watch as one from the socket. */
  get onmessage(): Handler<MessageEvent> {
    return this.tapped;
  }

  set onmessage(handler: Handler<MessageEvent>) {
    this.handler = handler;
    this.tapped = handler && ((e) => this.watch.received(this, e.data, () => handler(e)));
  }

  /** Hand `event` to the provider without the tap (the watch's keepalive). */
  deliver(event: MessageEvent): void {
    this.handler?.(event);
  }

  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
    this.ws.send(data as Uint8Array<ArrayBuffer>);
  }

  close(code?: number, reason?: string): void {
    this.watch.closed(this);
    this.ws.close(code, reason);
  }
}
