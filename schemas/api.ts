import { z } from 'zod'

/**
 * The HTTP API's request and response shapes, shared by the API handlers and the dashboard.
 * Client-safe: zod and types only.
 */

export const apiErrorSchema = z.object({
  error: z.string(),
  message: z.string(),
  parameter: z.string().optional(),
})
export type ApiError = z.infer<typeof apiErrorSchema>
