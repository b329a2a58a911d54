/**
 * The timeouts every listening port applies (CCSCOPE_HEADERS_TIMEOUT_MS, CCSCOPE_REQUEST_TIMEOUT_MS,
 * CCSCOPE_IDLE_TIMEOUT_MS), as options of a Node HTTP server (runtime/http-server.ts). The gRPC port
 * applies the same three itself (collector/grpc-listener.ts).
 */

export interface Timeouts {
  /** From a connection's start (or the previous response) to the end of a request's headers. */
  headersMs: number
  /** From a request's start to the end of its body. */
  requestMs: number
  /** A connection with nothing sent either way for this long is closed (idle keep-alive, stalled reader). */
  idleMs: number
}

/** Node HTTP server options enforcing the timeouts; the idle one is the socket timeout (`server.setTimeout`). */
export function httpTimeoutOptions(t: Timeouts) {
  const headersMs = Math.min(t.headersMs, t.requestMs)
  return {
    requestTimeout: t.requestMs,
    headersTimeout: headersMs,
    keepAliveTimeout: t.idleMs,
    // Node checks header and request timeouts every connectionsCheckingInterval (30 s by default): check
    // often enough that a slow-loris client is cut within half a second of its timeout, not up to 30 s later.
    connectionsCheckingInterval: Math.min(500, Math.max(100, headersMs / 10)),
  }
}
