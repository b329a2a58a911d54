/**
 * The Host header a browser sends to a server on this machine: localhost, 127.0.0.1 (any 127/8) or
 * [::1], with or without a port. Where ccscope trusts "this machine" (no ingest token, or no dashboard
 * user), it also requires such a Host, so that a web page which rebinds its own name to 127.0.0.1
 * (DNS rebinding) is not "this machine".
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false
  const match = /^(\[[^\]]+\]|[^:]+)(?::\d{1,5})?$/.exec(host.trim().toLowerCase())
  const name = match?.[1]
  if (!name) return false
  return name === 'localhost' || name === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)
}
