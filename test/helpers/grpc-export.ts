import * as grpc from '@grpc/grpc-js'
import { grpcServices, requestTypes } from '../../collector/otlp/proto'
import type { ExportLogsRequest } from '../../schemas/otlp'

/** An OTLP/gRPC logs export of `body` (or its encoded bytes), as an exporter sends it; resolves with the call's error, or null. */
export function exportLogsGrpc(client: grpc.Client, body: ExportLogsRequest | Buffer): Promise<grpc.ServiceError | null> {
  const bytes = Buffer.isBuffer(body)
    ? body
    : Buffer.from(requestTypes.logs.encode(requestTypes.logs.fromObject(body as unknown as Record<string, unknown>)).finish())
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      grpcServices.logs.path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      new grpc.Metadata(),
      (error) => resolve(error),
    ),
  )
}
