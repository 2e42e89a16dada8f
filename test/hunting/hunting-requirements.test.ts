import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GRAPH_REQUIREMENT, MDE_REQUIREMENT, XDR_REQUIREMENT } from '../../src/api/hunting/hunting-routes.js'
import { decide } from '../../src/identity/authorizer.js'
import type { Principal } from '../../src/identity/principal.js'
import { GRAPH_RESOURCE, MDE_RESOURCE, XDR_RESOURCE } from '../../src/identity/resources.js'
import type { RbacPermission } from '../../src/schema/permissions.js'

function user(scopes: string[], rbac: RbacPermission[], resourceAppId = MDE_RESOURCE.appId): Principal {
  return {
    kind: 'user',
    tenantId: 't',
    appId: 'a',
    appDisplayName: null,
    resourceAppId,
    objectId: 'o',
    userPrincipalName: 'u@x',
    displayName: null,
    permissions: new Set(scopes),
    rbacPermissions: new Set(rbac),
    deviceGroupIds: null,
    token: { id: 'j', version: '1.0', audience: 'https://api.securitycenter.microsoft.com', expiresAt: 0 },
  }
}

const cases = [
  { name: 'MDE', req: MDE_REQUIREMENT, resource: MDE_RESOURCE.appId, scope: 'AdvancedQuery.Read' },
  { name: 'XDR', req: XDR_REQUIREMENT, resource: XDR_RESOURCE.appId, scope: 'AdvancedHunting.Read' },
  {
    name: 'XDR (MDE token)',
    req: XDR_REQUIREMENT,
    resource: MDE_RESOURCE.appId,
    scope: 'AdvancedQuery.Read',
  },
  { name: 'Graph', req: GRAPH_REQUIREMENT, resource: GRAPH_RESOURCE.appId, scope: 'ThreatHunting.Read.All' },
]

describe('hunting route requirements', () => {
  for (const { name, req, resource, scope } of cases) {
    it(`${name}: a user needs the delegated scope AND the View Data role permission`, () => {
      const view: RbacPermission[] = ['ViewData.SecurityOperations']
      assert.equal(decide(user([scope], view, resource), req).allowed, true)
      const noRole = decide(user([scope], ['AlertsInvestigation'], resource), req)
      assert.deepEqual([noRole.allowed, !noRole.allowed && noRole.status], [false, 403])
      assert.equal(decide(user(['Alert.Read'], view, resource), req).allowed, false)
    })
  }

  it('a token for another API is refused with 401 (wrong audience), whatever its scopes', () => {
    const view: RbacPermission[] = ['ViewData.SecurityOperations']
    const graphOnMde = decide(user(['AdvancedQuery.Read'], view, GRAPH_RESOURCE.appId), MDE_REQUIREMENT)
    assert.deepEqual([graphOnMde.allowed, !graphOnMde.allowed && graphOnMde.status], [false, 401])
    const mdeOnGraph = decide(user(['ThreatHunting.Read.All'], view, MDE_RESOURCE.appId), GRAPH_REQUIREMENT)
    assert.deepEqual([mdeOnGraph.allowed, !mdeOnGraph.allowed && mdeOnGraph.status], [false, 401])
    const xdrOnMde = decide(user(['AdvancedQuery.Read'], view, XDR_RESOURCE.appId), MDE_REQUIREMENT)
    assert.equal(xdrOnMde.allowed, false)
  })
})
