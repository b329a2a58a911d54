/** A request refused as a whole, with the HTTP status and the one-line reason sent back. */
export class DecodeError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
    readonly reason: string,
  ) {
    super(message)
    this.name = 'DecodeError'
  }
}
