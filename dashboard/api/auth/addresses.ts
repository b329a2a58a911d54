import net from 'node:net'

/** `::ffff:10.0.0.1` → `10.0.0.1`: an IPv4 client on a dual-stack socket is still that IPv4 address. */
export function plainAddress(address: string | undefined): string {
  const a = address ?? ''
  return a.startsWith('::ffff:') && net.isIPv4(a.slice(7)) ? a.slice(7) : a
}

export function isLoopback(address: string | undefined): boolean {
  const a = plainAddress(address)
  return a === '::1' || (net.isIPv4(a) && a.startsWith('127.'))
}

/** Whether an entry of CCSCOPE_AUTH_PROXY_TRUSTED is an IP address or a CIDR block. */
export function isAddressOrCidr(entry: string): boolean {
  const [ip, bits, extra] = entry.split('/')
  if (extra !== undefined || !ip || net.isIP(ip) === 0) return false
  if (bits === undefined) return true
  const n = Number(bits)
  return /^\d+$/.test(bits) && n >= 0 && n <= (net.isIPv4(ip) ? 32 : 128)
}

/** The proxies allowed to name the user in a header (node:net BlockList, used as an allow list). */
export class AddressList {
  private readonly list = new net.BlockList()

  constructor(entries: string[]) {
    for (const entry of entries) {
      const [ip, bits] = entry.split('/') as [string, string | undefined]
      const type = net.isIPv4(ip) ? 'ipv4' : 'ipv6'
      if (bits === undefined) this.list.addAddress(ip, type)
      else this.list.addSubnet(ip, Number(bits), type)
    }
  }

  has(address: string | undefined): boolean {
    const a = plainAddress(address)
    const type = net.isIPv4(a) ? 'ipv4' : net.isIPv6(a) ? 'ipv6' : undefined
    return type !== undefined && this.list.check(a, type)
  }
}
