import type { AttributeMap } from './attributes'

/**
 * Who and where a record comes from. The one place where user identity is resolved:
 *
 *   user_key = user.email → enduser.id → user.account_uuid → user.id   (first non-empty)
 *
 * user.email arrives with OAuth sign-in; enduser.id is what admins set through
 * OTEL_RESOURCE_ATTRIBUTES for API-key, Bedrock, Vertex and Foundry fleets; user.account_uuid with a
 * Claude account; user.id is a random per-installation id that is always present. All four are kept.
 * Each key is read from the record's attributes first, then from its resource.
 */
export interface Identity {
  user_key: string
  user_email: string
  enduser_id: string
  user_account_uuid: string
  user_id: string
  organization_id: string
  session_id: string
  team_id: string
  department: string
  cost_center: string
  service_name: string
  service_version: string
}

export function lookup(attributes: AttributeMap, resource: AttributeMap, key: string): string {
  return attributes[key] || resource[key] || ''
}

export function resolveIdentity(attributes: AttributeMap, resource: AttributeMap): Identity {
  const get = (key: string) => lookup(attributes, resource, key)
  const user_email = get('user.email')
  const enduser_id = get('enduser.id')
  const user_account_uuid = get('user.account_uuid')
  const user_id = get('user.id')
  return {
    user_key: user_email || enduser_id || user_account_uuid || user_id,
    user_email,
    enduser_id,
    user_account_uuid,
    user_id,
    organization_id: get('organization.id'),
    session_id: get('session.id'),
    team_id: get('team.id'),
    department: get('department'),
    cost_center: get('cost_center'),
    service_name: get('service.name'),
    service_version: get('service.version'),
  }
}
