import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ManualClock } from '../core/clock.js'
import { silentLogger } from '../core/logger.js'
import { APPLICATION_PERMISSIONS } from '../schema/permissions.js'
import { openDuckDb } from '../store/duckdb-db.js'
import { migrate } from '../store/migrations.js'
import type { Db } from '../store/db.js'
import { createAuthorizer } from './authorizer.js'
import type { Tenant } from './directory/types.js'
import { IdentityService } from './identity-service.js'
import { issueAppToken, issueUserTokens } from './issue-tokens.js'
import { identityStoreMigrations } from './migrations.js'
import type { RouteRequirement } from './principal.js'
import { MDE_RESOURCE, parseV2Scope } from './resources.js'

/** Representative MDE routes and what they accept (identity.md §4.4). */
const ROUTES: Record<string, RouteRequirement> = {
  'GET /api/alerts': {
    application: ['Alert.Read.All', 'Alert.ReadWrite.All'],
    delegated: ['Alert.Read', 'Alert.ReadWrite'],
    rbac: ['ViewData.SecurityOperations'],
  },
  'PATCH /api/alerts/{id}': {
    application: ['Alert.ReadWrite.All'],
    delegated: ['Alert.ReadWrite'],
    rbac: ['AlertsInvestigation'],
  },
  'GET /api/machines': {
    application: ['Machine.Read.All', 'Machine.ReadWrite.All'],
    delegated: ['Machine.Read', 'Machine.ReadWrite'],
    rbac: ['ViewData.SecurityOperations'],
  },
  'POST /api/machines/{id}/tags': {
    application: ['Machine.ReadWrite.All'],
    delegated: ['Machine.ReadWrite'],
    rbac: ['ManageSecuritySettings'],
  },
  'POST /api/machines/{id}/isolate': {
    application: ['Machine.Isolate'],
    delegated: ['Machine.Isolate'],
    rbac: ['ActiveRemediation.SecurityOperations'],
  },
  'POST /api/machines/{id}/restrictCodeExecution': {
    application: ['Machine.RestrictExecution'],
    delegated: ['Machine.RestrictExecution'],
    rbac: ['ActiveRemediation.SecurityOperations'],
  },
  'POST /api/machines/{id}/runAntiVirusScan': {
    application: ['Machine.Scan'],
    delegated: ['Machine.Scan'],
    rbac: ['ActiveRemediation.SecurityOperations'],
  },
  'POST /api/machines/{id}/StopAndQuarantineFile': {
    application: ['Machine.StopAndQuarantine'],
    delegated: ['Machine.StopAndQuarantine'],
    rbac: ['ActiveRemediation.SecurityOperations'],
  },
  'POST /api/machines/{id}/collectInvestigationPackage': {
    application: ['Machine.CollectForensics'],
    delegated: ['Machine.CollectForensics'],
    rbac: ['AlertsInvestigation'],
  },
  'POST /api/machines/{id}/offboard': {
    application: ['Machine.Offboard'],
    delegated: ['Machine.Offboard'],
    rbac: ['ManageSecuritySettings'],
  },
  'POST /api/machines/{id}/runliveresponse': {
    application: ['Machine.LiveResponse'],
    delegated: ['Machine.LiveResponse'],
    rbac: ['LiveResponse.Basic', 'LiveResponse.Advanced'],
  },
  'POST /api/advancedqueries/run': {
    application: ['AdvancedQuery.Read.All'],
    delegated: ['AdvancedQuery.Read'],
    rbac: ['ViewData.SecurityOperations'],
  },
  'POST /api/indicators': {
    application: ['Ti.ReadWrite', 'Ti.ReadWrite.All'],
    delegated: ['Ti.ReadWrite'],
    rbac: ['ManageSecuritySettings', 'ActiveRemediation.SecurityOperations'],
  },
  'GET /api/indicators': {
    application: ['Ti.Read.All', 'Ti.ReadWrite', 'Ti.ReadWrite.All'],
    delegated: ['Ti.ReadWrite'],
    rbac: ['ViewData.SecurityOperations'],
  },
  'GET /api/files/{id}/stats': {
    application: ['File.Read.All'],
    delegated: ['File.Read.All'],
    rbac: ['ViewData.SecurityOperations'],
  },
  'GET /api/vulnerabilities': {
    application: ['Vulnerability.Read.All'],
    delegated: ['Vulnerability.Read'],
    rbac: ['ViewData.VulnerabilityManagement'],
  },
}

describe('authorizer', () => {
  let db: Db
  let svc: IdentityService
  let tenant: Tenant
  const clock = new ManualClock(Date.now())
  before(async () => {
    db = await openDuckDb({ path: ':memory:' })
    await migrate(db, identityStoreMigrations)
    svc = new IdentityService(db, clock, silentLogger, {
      accessTokenLifetimeSeconds: 3599,
      signingKeyRotationDays: 30,
      deviceCodeIntervalSeconds: 5,
      publicUrl: () => 'https://sts.test:8443',
      tlsNames: [],
    })
    await svc.start()
    tenant = await svc.directory.createTenant({ displayName: 'T', domain: 't.example' })
  })
  after(async () => db.close())

  const target = () => parseV2Scope('https://api.securitycenter.microsoft.com/.default', svc.catalogue, 't')

  async function appTokenWith(perms: string[]): Promise<string> {
    const a = await svc.directory.createApplication({
      tenantId: tenant.id,
      displayName: perms.join('+') || 'none',
    })
    for (const p of perms) await svc.directory.grantAppRole(tenant.id, a.appId, MDE_RESOURCE.appId, p)
    const client = (await svc.client(a.appId))!
    const { body } = await issueAppToken(svc, {
      client,
      acr: '1',
      target: target(),
      endpoint: 'v2',
      origin: 'https://sts.test:8443',
    })
    return String(body.access_token)
  }

  it('permission matrix: a token with only permission P can call exactly the routes that accept P', async () => {
    const authz = createAuthorizer(svc)
    for (const perm of Object.keys(APPLICATION_PERMISSIONS)) {
      const principal = await authz.authenticate(`Bearer ${await appTokenWith([perm])}`)
      assert.deepEqual([...principal.permissions], [perm])
      for (const [route, req] of Object.entries(ROUTES)) {
        const d = authz.authorize(principal, req)
        assert.equal(d.allowed, req.application.includes(perm), `${perm} on ${route}`)
        if (!d.allowed) {
          assert.equal(d.status, 403)
          for (const needed of req.application) assert.ok(d.message.includes(needed), d.message)
        }
      }
    }
  })

  it('a token without any roles authenticates but is forbidden everywhere (Entra issues it anyway)', async () => {
    const authz = createAuthorizer(svc)
    const principal = await authz.authenticate(`Bearer ${await appTokenWith([])}`)
    assert.equal(principal.kind, 'application')
    for (const req of Object.values(ROUTES)) assert.equal(authz.authorize(principal, req).allowed, false)
    assert.equal(authz.canSeeDeviceGroup(principal, 7), true)
  })

  it('user context: scp AND RBAC AND device groups', async () => {
    const authz = createAuthorizer(svc)
    const pub = await svc.directory.createApplication({
      tenantId: tenant.id,
      displayName: 'pub',
      publicClient: true,
    })
    for (const s of ['Alert.Read', 'Alert.ReadWrite', 'Machine.Isolate'])
      await svc.directory.grantDelegated(tenant.id, {
        clientAppId: pub.appId,
        resourceAppId: MDE_RESOURCE.appId,
        principalId: '',
        scope: s,
      })
    await svc.directory.upsertDeviceGroup({
      tenantId: tenant.id,
      id: 5,
      name: 'g5',
      description: '',
      rank: 1,
      rules: {},
      remediationLevel: 'x',
    })
    await svc.directory.upsertDeviceGroup({
      tenantId: tenant.id,
      id: 6,
      name: 'g6',
      description: '',
      rank: 2,
      rules: {},
      remediationLevel: 'x',
    })
    await svc.directory.upsertRole({
      tenantId: tenant.id,
      id: 1,
      name: 'Tier1',
      description: '',
      permissions: ['ViewData.SecurityOperations', 'AlertsInvestigation'],
      allDeviceGroups: false,
      deviceGroupIds: [5],
    })
    await svc.directory.upsertRole({
      tenantId: tenant.id,
      id: 2,
      name: 'Other',
      description: '',
      permissions: [],
      allDeviceGroups: false,
      deviceGroupIds: [6],
    })
    const u = await svc.directory.createUser({
      tenantId: tenant.id,
      userPrincipalName: 'tier1@t.example',
      displayName: 'T1',
      givenName: null,
      surname: null,
      passwordHash: 'x',
    })
    await svc.directory.assignRole(tenant.id, u.id, 1)
    const client = (await svc.client(pub.appId))!
    const { body } = await issueUserTokens(svc, {
      client,
      acr: '0',
      user: u,
      target: parseV2Scope(
        'https://api.securitycenter.microsoft.com/Alert.Read https://api.securitycenter.microsoft.com/Machine.Isolate',
        svc.catalogue,
        't',
      ),
      endpoint: 'v2',
      origin: 'https://sts.test:8443',
      nonce: null,
      clientInfoRequested: false,
      family: null,
      authTime: clock.nowMs(),
      amr: ['pwd'],
      ip: null,
    })
    const p = await authz.authenticate(`Bearer ${String(body.access_token)}`)
    assert.equal(p.kind, 'user')
    assert.equal(authz.authorize(p, ROUTES['GET /api/alerts']!).allowed, true)
    const noScope = authz.authorize(p, ROUTES['PATCH /api/alerts/{id}']!)
    assert.ok(!noScope.allowed && noScope.message.includes('Alert.ReadWrite'))
    const noRbac = authz.authorize(p, ROUTES['POST /api/machines/{id}/isolate']!)
    assert.ok(!noRbac.allowed && noRbac.message.includes('ActiveRemediation.SecurityOperations'))
    assert.equal(authz.canSeeDeviceGroup(p, 5), true)
    assert.equal(authz.canSeeDeviceGroup(p, 6), false)
    assert.equal(
      authz.canSeeDeviceGroup(p, null),
      true,
      'ungrouped devices are visible (no role is assigned to them)',
    )

    // disabling the user is honoured once the cached access is re-read (30 s)
    await svc.directory.updateUser(u.id, { enabled: false })
    clock.advance(31_000)
    await assert.rejects(authz.authenticate(`Bearer ${String(body.access_token)}`), /disabled/)
  })

  it('verified tokens are cached until expiry and dropped when their key leaves the published set', async () => {
    const authz = createAuthorizer(svc)
    const token = await appTokenWith(['Alert.Read.All'])
    await authz.authenticate(`Bearer ${token}`)
    await authz.authenticate(`Bearer ${token}`)
    assert.equal(authz.cacheSize(), 1)
    // Revoke every published key (e.g. after a compromise): the cached result must not survive.
    await db.execute('DELETE FROM idp_signing_keys')
    await svc.keys.load()
    await assert.rejects(authz.authenticate(`Bearer ${token}`), /unknown key/)
    await svc.keys.ensure()
  })
})
