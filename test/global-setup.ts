import { buildDashboard } from '../scripts/build-dashboard'

/** The dashboard is built once (when its sources changed) before any test file starts ccscope. */
export default async function setup(): Promise<void> {
  await buildDashboard()
}
