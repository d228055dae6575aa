// registry-client.js — a dependency-free ES module for browsers: the P2P registry's HTTP API, a presence loop and a
// signaling connection that reconnects. The same API shape as the Swift package's RegistryClient; README "Client
// libraries". Frames and routes: docs/protocol.md.

// ---------------------------------------------------------------------------------------------------------------
// Frames (JSDoc typedefs; the server's JSON, unchanged)
// ---------------------------------------------------------------------------------------------------------------

/**
 * A device online in a network: an entry of GET /network/:networkId/peers (and of the presence frames).
 * @typedef {Object} Peer
 * @property {string} userId
 * @property {string} deviceId
 * @property {string} signalAddress
 * @property {string[]} capabilities
 * @property {boolean} isCoordinator
 * @property {string} lastSeen ISO-8601 with milliseconds
 */

/**
 * Client → server: an offer, answer or ICE candidate for another device.
 * @typedef {Object} OutgoingSignalFrame
 * @property {"offer"|"answer"|"ice-candidate"} type
 * @property {string} toPeerId
 * @property {*} data the SDP description or ICE candidate, any JSON but null
 * @property {string} [id] at most 64 characters: asks for a `delivered` receipt (issue 24)
 */

/**
 * Client → server (issue 24): `{"type":"presence_subscribe"}` or `{"type":"presence_unsubscribe"}`.
 * @typedef {Object} PresenceSubscriptionFrame
 * @property {"presence_subscribe"|"presence_unsubscribe"} type
 */

/**
 * Client → server: `{"type":"session_hello"}`, sent first on every socket; the server answers `session_welcome` once
 * it has accepted the socket.
 * @typedef {Object} SessionHelloFrame
 * @property {"session_hello"} type
 */

/**
 * Server → client: the answer to `session_hello` (the connection consumes it: the socket is then `connected`).
 * @typedef {Object} SessionWelcomeFrame
 * @property {"session_welcome"} type
 * @property {string} deviceId the socket's device
 * @property {number} timestamp milliseconds since the epoch
 */

/**
 * Server → recipient: an offer relayed from another device, live or from the device's queue.
 * @typedef {Object} OfferFrame
 * @property {string} id
 * @property {"offer"} type
 * @property {string} fromPeerId
 * @property {string} toPeerId
 * @property {{type: "offer", sdp: string}} data
 * @property {number} timestamp milliseconds since the epoch
 */

/**
 * Server → recipient: an answer relayed from another device.
 * @typedef {Object} AnswerFrame
 * @property {string} id
 * @property {"answer"} type
 * @property {string} fromPeerId
 * @property {string} toPeerId
 * @property {{type: "answer", sdp: string}} data
 * @property {number} timestamp
 */

/**
 * Server → recipient: an ICE candidate relayed from another device.
 * @typedef {Object} IceCandidateFrame
 * @property {string} id
 * @property {"ice-candidate"} type
 * @property {string} fromPeerId
 * @property {string} toPeerId
 * @property {{candidate: string, sdpMid?: string, sdpMLineIndex?: number}} data
 * @property {number} timestamp
 */

/**
 * Server → sender: a refused frame (the socket stays open).
 * @typedef {Object} ErrorFrame
 * @property {string} error in words
 * @property {"invalid_json"|"invalid_message"|"unknown_type"|"message_too_large"|"unsupported_frame"|"not_in_network"|"not_announced"|"network_forbidden"|"rate_limited"|"server_error"|"too_many_connections"|"too_many_connects"|"server_full"} code
 * @property {string} [id] the refused message's id, when it carried one (issue 24)
 */

/**
 * Server → subscriber (issue 24): the devices online when the subscription started.
 * @typedef {Object} PresenceStateFrame
 * @property {"presence_state"} type
 * @property {string} networkId
 * @property {Peer[]} peers
 * @property {number} timestamp
 */

/**
 * Server → subscriber (issue 24): devices that came online or changed, and went offline.
 * @typedef {Object} PresenceDiffFrame
 * @property {"presence_diff"} type
 * @property {string} networkId
 * @property {Peer[]} joins
 * @property {string[]} leaves device ids
 * @property {number} timestamp
 */

/**
 * Server → sender (issue 24): a message sent with an `id` was handed to its recipient or queued.
 * @typedef {Object} DeliveredFrame
 * @property {"delivered"} type
 * @property {string} id
 * @property {"live"|"queued"} delivery
 * @property {number} timestamp
 */

/**
 * Any frame the server sends.
 * @typedef {OfferFrame|AnswerFrame|IceCandidateFrame|ErrorFrame|PresenceStateFrame|PresenceDiffFrame|DeliveredFrame|SessionWelcomeFrame} ServerFrame
 */

/**
 * A message taken from a device's queue by GET /signaling/messages/:deviceId.
 * @typedef {Object} QueuedMessage
 * @property {string} id
 * @property {"offer"|"answer"|"ice-candidate"} type
 * @property {string} from
 * @property {string} to
 * @property {*} data
 * @property {string} timestamp ISO-8601
 */

/**
 * @typedef {Object} Announcement
 * @property {string} peerId `^peer_[a-zA-Z0-9_]+$`
 * @property {string} signalAddress a ws:// or wss:// URL
 * @property {string[]} [capabilities] at most 3 of relay, store, coordinator
 */

/**
 * Where a signaling connection is: `connecting`, `connected` (the server confirmed the socket with `session_welcome`
 * and the kept messages were sent), `waiting` (with `retryIn` ms and the `close` that
 * caused it) or `ended` (with `reason`: `closed`, `replaced`, `refused`, `authentication-failed`).
 * @typedef {{state: "connecting", attempt: number} | {state: "connected"} | {state: "waiting", retryIn: number, close: {code: number, reason: string}} | {state: "ended", reason: string, close?: {code: number, reason: string}}} ConnectionState
 */

/**
 * Returns a JWT; `reason` is "initial" the first time and "refresh" after the server refused the last one.
 * @callback TokenProvider
 * @param {"initial"|"refresh"} reason
 * @returns {Promise<string>|string}
 */

// ---------------------------------------------------------------------------------------------------------------
// Errors and backoff
// ---------------------------------------------------------------------------------------------------------------

/** An error answer of the API: `status`, the server's `error` text as `message`, `errors` (validation entries),
 * `retryAfter` (seconds, from Retry-After). `status` is 0 when no answer came back. */
export class RegistryError extends Error {
  constructor(status, message, { errors = null, retryAfter = null } = {}) {
    super(message);
    this.name = "RegistryError";
    this.status = status;
    this.errors = errors;
    this.retryAfter = retryAfter;
  }
}

/** Exponential backoff with jitter: attempt n waits initial·multiplierⁿ ms (at most `maximum`), scaled down by up to
 * `jitter` of it at random. */
export function backoffDelay(attempt, { initial = 500, maximum = 30000, multiplier = 2, jitter = 0.5 } = {}, random = Math.random()) {
  const base = Math.min(initial * Math.pow(multiplier, Math.max(attempt, 0)), maximum);
  return Math.round(base * (1 - jitter * random));
}

const sleepFor = (ms, signal) => new Promise((resolve, reject) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener("abort", () => { clearTimeout(timer); reject(new DOMException("aborted", "AbortError")); }, { once: true });
});

/** The error codes of a connection refused at connect (an error frame, then the close). */
const CONNECT_REFUSALS = ["too_many_connections", "too_many_connects", "server_full"];

/** The close codes of docs/protocol.md, read as a client must. */
export function closeAction({ code, reason = "" }) {
  if (code === 4000) return { action: "stop", reason: "replaced" };
  if (code === 1008) {
    if (["Authentication required", "Invalid authentication token", "Authentication token expired", "Authentication token has no expiry"].some((r) => reason.startsWith(r))) return { action: "refresh" };
    if (["Too many open connections", "Too many connections a minute", "Too many failed authentications"].some((r) => reason.startsWith(r))) return { action: "reconnect" };
    return { action: "stop", reason: "refused" };
  }
  if ([1002, 1003, 1007, 1009].includes(code)) return { action: "stop", reason: "refused" };
  return { action: "reconnect" };
}

// ---------------------------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------------------------

export class RegistryClient {
  /**
   * @param {Object} options
   * @param {string} options.apiUrl the HTTP API, e.g. "https://api.example.com"
   * @param {string} options.signalingUrl the signaling listener, e.g. "wss://signal.example.com"
   * @param {TokenProvider} options.tokenProvider
   * @param {string} [options.signalingPath] the server's SIGNALING_PATH ("/signaling")
   * @param {{initial?: number, maximum?: number, multiplier?: number, jitter?: number}} [options.backoff] reconnection delays, ms
   * @param {(ms: number, signal?: AbortSignal) => Promise<void>} [options.sleep] how the client waits (tests record it)
   * @param {number} [options.outboxLimit] messages kept while disconnected (100)
   * @param {{debug: Function, info: Function, warn: Function}} [options.logger] (silent by default)
   */
  constructor({ apiUrl, signalingUrl, tokenProvider, signalingPath = "/signaling", backoff = {}, sleep = sleepFor, outboxLimit = 100, logger = null }) {
    this.apiUrl = apiUrl.replace(/\/+$/, "");
    this.signalingUrl = signalingUrl.replace(/\/+$/, "");
    this.signalingPath = signalingPath;
    this.backoff = backoff;
    this.sleep = sleep;
    this.outboxLimit = outboxLimit;
    this.logger = logger ?? { debug() {}, info() {}, warn() {} };
    this._tokenProvider = tokenProvider;
    this._token = null;
    this._fetching = null;
    this._listings = new Map();
    /** @type {Map<string, {network: string, announcement: Announcement}>} the last announce of each device (not left) */
    this._announced = new Map();
  }

  /** The cached token, or the provider's first one. */
  async token() {
    return this._token ?? this._fetchToken("initial");
  }

  /** A new token, unless another caller already replaced `refused`. */
  async refreshToken(refused) {
    if (this._token && this._token !== refused) return this._token;
    return this._fetchToken("refresh");
  }

  async _fetchToken(reason) {
    this._fetching ??= (async () => {
      try { this._token = await this._tokenProvider(reason); return this._token; } finally { this._fetching = null; }
    })();
    return this._fetching;
  }

  async _request(method, path, { body, headers = {} } = {}) {
    let token = await this.token();
    let response = await this._exchange(method, path, body, headers, token);
    if (response.status === 401) {
      this.logger.info("registry refused the token; asking the token provider for a new one");
      token = await this.refreshToken(token);
      response = await this._exchange(method, path, body, headers, token);
    }
    if (response.status >= 400) {
      const json = await response.json().catch(() => ({}));
      const retryAfter = response.headers.get("Retry-After");
      throw new RegistryError(response.status, json.error ?? (json.errors ? "Validation failed" : `HTTP ${response.status}`), {
        errors: json.errors ?? null, retryAfter: retryAfter === null ? null : Number(retryAfter),
      });
    }
    return response;
  }

  async _exchange(method, path, body, headers, token) {
    const init = { method, headers: { ...headers, Authorization: `Bearer ${token}` } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers["Content-Type"] = "application/json";
    }
    try {
      return await fetch(`${this.apiUrl}${path}`, init);
    } catch (error) {
      throw new RegistryError(0, `${method} ${path}: ${error.message}`);
    }
  }

  /**
   * POST /network/:networkId/announce. Returns the RateLimit-* headers (when the server exposes them).
   * @param {string} network @param {Announcement} announcement
   * @returns {Promise<{limit: number, remaining: number, reset: number} | null>}
   */
  async announce(network, announcement) {
    const response = await this._request("POST", `/network/${encodeURIComponent(network)}/announce`, { body: announcement });
    this._announced.set(announcement.peerId, { network, announcement });
    const limit = response.headers.get("RateLimit-Limit");
    if (limit === null) return null;
    return { limit: Number(limit), remaining: Number(response.headers.get("RateLimit-Remaining")), reset: Number(response.headers.get("RateLimit-Reset")) };
  }

  /**
   * GET /network/:networkId/peers, cached with its ETag: the next call sends If-None-Match and, on 304, returns the
   * cached listing with `notModified: true`.
   * @param {string} network
   * @returns {Promise<{peers: Peer[], etag: string|null, notModified: boolean}>}
   */
  async peers(network) {
    const cached = this._listings.get(network);
    const response = await this._request("GET", `/network/${encodeURIComponent(network)}/peers`, { headers: cached?.etag ? { "If-None-Match": cached.etag } : {} });
    if (response.status === 304 && cached) return { ...cached, notModified: true };
    const { peers } = await response.json();
    const listing = { peers, etag: response.headers.get("ETag"), notModified: false };
    if (listing.etag) this._listings.set(network, listing);
    return listing;
  }

  /** GET /network/:networkId/peer/:userId: `{online: true, deviceId, …}` or `{online: false, lastSeen, lastCoordinators}`. */
  async peer(network, userId) {
    return (await this._request("GET", `/network/${encodeURIComponent(network)}/peer/${encodeURIComponent(userId)}`)).json();
  }

  /** GET /signaling/messages/:deviceId: takes the device's queued messages, oldest first.
   * @returns {Promise<QueuedMessage[]>} */
  async drain(deviceId) {
    return (await (await this._request("GET", `/signaling/messages/${encodeURIComponent(deviceId)}`)).json()).messages;
  }

  /** GET /network/:networkId/ice-servers (issue 24): `{iceServers: RTCIceServer[], ttl}`, ready for RTCPeerConnection. */
  async iceServers(network) {
    return (await this._request("GET", `/network/${encodeURIComponent(network)}/ice-servers`)).json();
  }

  /** DELETE /network/:networkId/devices/:deviceId (issue 24): sets the device offline now. */
  async leave(network, deviceId) {
    await this._request("DELETE", `/network/${encodeURIComponent(network)}/devices/${encodeURIComponent(deviceId)}`);
    this._announced.delete(deviceId);
  }

  /** Announces `deviceId` again with this client's last announce of it (none after `leave`); false when there is
   * none or it failed. Signaling connections call it on `not_announced`. */
  async reannounce(deviceId) {
    const last = this._announced.get(deviceId);
    if (!last) return false;
    try { await this.announce(last.network, last.announcement); return true; } catch (error) {
      this.logger.warn(`announcing ${deviceId} again failed: ${error.message}`);
      return false;
    }
  }

  /**
   * A presence loop announcing `announcement` every `interval` ms (shortened by up to `jitter` of it at random).
   * @returns {PresenceLoop}
   */
  presence(network, announcement, { interval = 180000, jitter = 0.1 } = {}) {
    return new PresenceLoop(this, network, announcement, interval, jitter);
  }

  /**
   * Opens the signaling connection of `deviceId` (the token goes in `?token=`: browsers cannot set headers on a
   * WebSocket).
   * @returns {SignalingConnection}
   */
  connect(deviceId) {
    const connection = new SignalingConnection(this, deviceId);
    connection.start();
    return connection;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The presence loop
// ---------------------------------------------------------------------------------------------------------------

/** Announces until stopped. Events: `announced` (detail `{next}` ms), `ratelimited` (detail `{retryAfter}` ms: the
 * server's Retry-After), `failed` (detail `{error, retryIn}`). */
export class PresenceLoop extends EventTarget {
  constructor(client, network, announcement, interval, jitter) {
    super();
    Object.assign(this, { client, network, announcement, interval, jitter });
    this._abort = null;
    this._running = null;
  }

  start() {
    if (this._running) return;
    this._abort = new AbortController();
    this._running = this._run(this._abort.signal);
  }

  /** Stops and waits until the loop has ended. */
  async stop() {
    this._abort?.abort();
    await this._running;
  }

  async _run(signal) {
    let failures = 0;
    while (!signal.aborted) {
      let wait;
      try {
        await this.client.announce(this.network, this.announcement);
        failures = 0;
        wait = Math.round(this.interval * (1 - this.jitter * Math.random()));
        this.dispatchEvent(new CustomEvent("announced", { detail: { next: wait } }));
      } catch (error) {
        if (signal.aborted) break;
        failures += 1;
        if (error.status === 429) {
          wait = error.retryAfter !== null ? error.retryAfter * 1000 : backoffDelay(failures - 1, this.client.backoff);
          this.dispatchEvent(new CustomEvent("ratelimited", { detail: { retryAfter: wait } }));
        } else {
          wait = Math.min(backoffDelay(failures - 1, this.client.backoff), this.interval);
          this.dispatchEvent(new CustomEvent("failed", { detail: { error, retryIn: wait } }));
        }
      }
      try { await this.client.sleep(wait, signal); } catch { break; }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The signaling connection
// ---------------------------------------------------------------------------------------------------------------

/**
 * A device's signaling socket that stays connected. Events: one per frame, named by its type (`offer`, `answer`,
 * `ice-candidate`, `presence_state`, `presence_diff`, `delivered`, and `error` for error frames), each a CustomEvent
 * whose `detail` is the frame; `frame` for every frame; `state` (detail: {@link ConnectionState}) on each change.
 *
 * Each socket sends `{"type":"session_hello"}` first; the server, which reads nothing before it has accepted the
 * socket, answers `session_welcome`, and only then are the kept messages sent and the connection `connected` (a socket
 * refused right after the upgrade, 1013 or 1008, loses nothing).
 *
 * On a `not_announced` error frame (the device's presence expired, or it was set offline) the connection announces the
 * device again with the client's last announce of it (the presence loop's or `announce`'s; never after `leave`),
 * subscribes to presence again if it was subscribed, and sends the refused message once more when it carried an `id`
 * (no `error` event then). A refused message without `id`, or one refused again, is dispatched as the error frame.
 */
export class SignalingConnection extends EventTarget {
  constructor(client, deviceId) {
    super();
    this.client = client;
    this.deviceId = deviceId;
    /** @type {ConnectionState} */
    this.state = { state: "connecting", attempt: 0 };
    this._socket = null;
    this._open = false;
    this._outbox = [];
    this._presence = false;
    this._awaitingWelcome = false;
    /** @type {Map<string, {text: string, resent: boolean}>} messages sent with an id, until their receipt or error */
    this._sent = new Map();
    this._reannouncing = null;
    this._abort = new AbortController();
    this._ended = null;
    this._done = null;
  }

  start() {
    this._done ??= this._run();
  }

  /** Sends an offer, answer or ICE candidate; kept while disconnected and sent, in order, on reconnect.
   * @param {"offer"|"answer"|"ice-candidate"} type @param {string} to @param {*} data @param {string} [id] */
  send(type, to, data, id) {
    /** @type {OutgoingSignalFrame} */
    const frame = { type, toPeerId: to, data };
    if (id !== undefined) frame.id = id;
    const text = JSON.stringify(frame);
    if (this._ended) throw new RegistryError(0, `signaling connection ended: ${this._ended}`);
    if (id !== undefined) this._remember(id, text, false);
    this._deliver(text);
  }

  _remember(id, text, resent) {
    this._sent.delete(id);
    this._sent.set(id, { text, resent });
    if (this._sent.size > 100) this._sent.delete(this._sent.keys().next().value);
  }

  /** Asks for presence_state and presence_diff frames (issue 24), again after each reconnection. */
  subscribePresence() {
    this._presence = true;
    if (this._open) this._socket.send(JSON.stringify({ type: "presence_subscribe" }));
  }

  /** Stops the presence frames (issue 24). */
  unsubscribePresence() {
    this._presence = false;
    if (this._open) this._socket.send(JSON.stringify({ type: "presence_unsubscribe" }));
  }

  /** Closes the socket (1000) and ends the connection; resolves once it has ended. */
  async close() {
    this._abort.abort();
    this._socket?.close(1000);
    await this._done;
  }

  _deliver(text) {
    if (this._ended) throw new RegistryError(0, `signaling connection ended: ${this._ended}`);
    if (this._open && this._socket.readyState === WebSocket.OPEN) {
      this._socket.send(text);
      return;
    }
    this._outbox.push(text);
    if (this._outbox.length > this.client.outboxLimit) {
      this._outbox.shift();
      this.client.logger.warn("signaling outbox full: dropped the oldest message");
    }
  }

  _publish(state) {
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: state }));
  }

  async _run() {
    const signal = this._abort.signal;
    let attempt = 0;
    let refreshed = false;
    while (!signal.aborted) {
      this._publish({ state: "connecting", attempt });
      let token;
      try {
        token = await this.client.token();
      } catch (error) {
        if (!(await this._pause(backoffDelay(attempt++, this.client.backoff), { code: 1006, reason: "no token" }))) break;
        continue;
      }
      const opened = { at: null };
      const close = await this._once(token, opened);
      if (signal.aborted) break;
      if (opened.at !== null && performance.now() - opened.at >= 5000) attempt = 0;
      const next = closeAction(close);
      if (next.action === "stop") return this._end(next.reason, close);
      if (next.action === "refresh") {
        if (refreshed) return this._end("authentication-failed", close);
        refreshed = true;
        try { await this.client.refreshToken(token); } catch (error) {
          if (!(await this._pause(backoffDelay(attempt++, this.client.backoff), close))) break;
        }
        continue;
      }
      refreshed = false;
      if (!(await this._pause(backoffDelay(attempt++, this.client.backoff), close))) break;
    }
    this._end("closed");
  }

  async _pause(delay, close) {
    this._publish({ state: "waiting", retryIn: delay, close });
    try { await this.client.sleep(delay, this._abort.signal); return !this._abort.signal.aborted; } catch { return false; }
  }

  /** One socket, from open to close; resolves with the close's code and reason. */
  _once(token, opened) {
    return new Promise((resolve) => {
      const url = `${this.client.signalingUrl}${this.client.signalingPath}/${encodeURIComponent(this.deviceId)}?token=${encodeURIComponent(token)}`;
      let socket;
      try { socket = new WebSocket(url); } catch (error) { resolve({ code: 1006, reason: String(error) }); return; }
      this._socket = socket;
      // Kept messages wait for the server's welcome: a socket it refuses right after the upgrade (1013, 1008) would
      // lose them.
      const accepted = () => {
        if (!this._awaitingWelcome || this._socket !== socket || socket.readyState !== WebSocket.OPEN) return;
        this._awaitingWelcome = false;
        if (this._presence) socket.send(JSON.stringify({ type: "presence_subscribe" }));
        while (this._outbox.length) socket.send(this._outbox.shift());
        this._open = true;
        this._publish({ state: "connected" });
      };
      socket.onopen = () => {
        opened.at = performance.now();
        this._awaitingWelcome = true;
        socket.send(JSON.stringify({ type: "session_hello" }));
      };
      socket.onmessage = (event) => {
        let frame;
        try { frame = JSON.parse(event.data); } catch { this.client.logger.warn("signaling frame is not JSON"); return; }
        const type = frame.error !== undefined && frame.code !== undefined ? "error" : frame.type;
        if (type === "session_welcome") { accepted(); return; }
        if (this._awaitingWelcome) {
          // Before the welcome the socket sent nothing but the hello: an error frame is a connection limit's refusal
          // (the close follows), or a server without the hello refusing it (it accepted the socket).
          if (type !== "error") accepted();
          else if (!CONNECT_REFUSALS.includes(frame.code)) { accepted(); return; }
        }
        if (type === "delivered") this._sent.delete(frame.id);
        if (type === "error" && frame.id !== undefined) {
          const message = this._sent.get(frame.id);
          this._sent.delete(frame.id);
          if (frame.code === "not_announced") { this._recover(frame, message); return; }
        } else if (type === "error" && frame.code === "not_announced") { this._recover(frame, undefined); return; }
        this._dispatchFrame(type, frame);
      };
      socket.onclose = (event) => {
        this._open = false;
        this._awaitingWelcome = false;
        this._socket = null;
        resolve({ code: event.code, reason: event.reason });
      };
    });
  }

  _dispatchFrame(type, frame) {
    if (type) this.dispatchEvent(new CustomEvent(type, { detail: frame }));
    this.dispatchEvent(new CustomEvent("frame", { detail: frame }));
  }

  /** `not_announced`: announce again, subscribe again, send the refused message once more; else dispatch the error. */
  async _recover(frame, message) {
    this._reannouncing ??= this.client.reannounce(this.deviceId).finally(() => { this._reannouncing = null; });
    const announced = await this._reannouncing;
    if (announced && this._presence && this._open) this._socket.send(JSON.stringify({ type: "presence_subscribe" }));
    if (!announced || !message || message.resent || this._ended) { this._dispatchFrame("error", frame); return; }
    this.client.logger.info(`sending message ${frame.id} again after announcing ${this.deviceId}`);
    this._remember(frame.id, message.text, true);
    this._deliver(message.text);
  }

  _end(reason, close) {
    if (this._ended) return;
    this._ended = reason;
    this._open = false;
    this._publish(close ? { state: "ended", reason, close } : { state: "ended", reason });
  }
}
