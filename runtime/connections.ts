import type net from 'node:net'
import type { SelfMetrics } from './self-metrics'

/**
 * Connection limits of one listening port: at most `maxTotal` open connections, and at most
 * `maxPerAddress` from one client address. A connection past either is closed as soon as it is
 * accepted, before anything is read from it, so a flood of (slow) connections from a few addresses
 * can neither exhaust file descriptors (which the embedded engine needs too) nor crowd out other
 * clients. Timeouts (server/timeouts.ts and collector/grpc-listener.ts) bound how long each may stay.
 */

export interface ConnectionLimits {
  maxTotal: number
  /** 0 = no per-address limit. */
  maxPerAddress: number
}

/** The address a socket counts under: IPv4-mapped IPv6 addresses as plain IPv4. */
export function clientAddress(socket: { remoteAddress?: string | undefined }): string {
  const address = socket.remoteAddress ?? ''
  return address.startsWith('::ffff:') ? address.slice(7) : address
}

export class ConnectionGuard {
  private total = 0
  private readonly perAddress = new Map<string, number>()

  constructor(
    private readonly port: string,
    private readonly limits: ConnectionLimits,
    private readonly metrics?: SelfMetrics,
  ) {}

  get open(): number {
    return this.total
  }

  /** Counts the socket until it closes; false (and the socket destroyed) when it is over a limit. */
  accept(socket: net.Socket): boolean {
    const address = clientAddress(socket)
    const fromAddress = this.perAddress.get(address) ?? 0
    const over =
      this.total >= this.limits.maxTotal ? 'total' : this.limits.maxPerAddress > 0 && fromAddress >= this.limits.maxPerAddress ? 'per_address' : undefined
    if (over) {
      this.metrics?.connectionsRefused.inc({ port: this.port, limit: over })
      socket.destroy()
      return false
    }
    this.total++
    this.perAddress.set(address, fromAddress + 1)
    this.metrics?.connectionsOpen.set({ port: this.port }, this.total)
    socket.once('close', () => {
      this.total--
      const left = (this.perAddress.get(address) ?? 1) - 1
      if (left > 0) this.perAddress.set(address, left)
      else this.perAddress.delete(address)
      this.metrics?.connectionsOpen.set({ port: this.port }, this.total)
    })
    return true
  }

  /** Applies the limits to every connection an HTTP (or any net) server accepts. */
  guard(server: net.Server): void {
    // Registered before the HTTP server's own listener, so that a refused socket is never parsed.
    server.prependListener('connection', (socket: net.Socket) => {
      this.accept(socket)
    })
  }
}
