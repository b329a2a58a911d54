import type { AttributeMap, Identity } from '../../warehouse/rows'

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
export type { Identity }

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
