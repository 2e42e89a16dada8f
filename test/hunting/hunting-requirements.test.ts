import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GRAPH_REQUIREMENT, MDE_REQUIREMENT, XDR_REQUIREMENT } from '../../src/api/hunting/hunting-routes.js'
import { decide } from '../../src/identity/authorizer.js'
import type { Principal } from '../../src/identity/principal.js'
import type { RbacPermission } from '../../src/schema/permissions.js'

function user(scopes: string[], rbac: RbacPermission[]): Principal {
  return {
    kind: 'user',
    tenantId: 't',
    appId: 'a',
    appDisplayName: null,
    objectId: 'o',
    userPrincipalName: 'u@x',
    displayName: null,
    permissions: new Set(scopes),
    rbacPermissions: new Set(rbac),
    deviceGroupIds: null,
    token: { id: 'j', version: '1.0', audience: 'https://api.securitycenter.microsoft.com', expiresAt: 0 },
  }
}

describe('hunting route requirements', () => {
  for (const [name, req] of Object.entries({ MDE_REQUIREMENT, XDR_REQUIREMENT, GRAPH_REQUIREMENT })) {
    it(`${name}: a user needs the delegated scope AND the View Data role permission`, () => {
      assert.equal(decide(user(['AdvancedQuery.Read'], ['ViewData.SecurityOperations']), req).allowed, true)
      const noRole = decide(user(['AdvancedQuery.Read'], ['AlertsInvestigation']), req)
      assert.equal(noRole.allowed, false)
      assert.equal(decide(user(['Alert.Read'], ['ViewData.SecurityOperations']), req).allowed, false)
    })
  }
})
