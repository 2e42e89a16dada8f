import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ManualClock } from '../core/clock.js'
import { silentLogger } from '../core/logger.js'
import { migrate } from '../store/migrations.js'
import type { Db } from '../store/db.js'
import { backends } from '../../test/helpers/stores.js'
import { AuditLog } from './audit-log.js'
import { Directory } from './directory/directory.js'
import { identityStoreMigrations } from './migrations.js'
import { KeyRing } from './signing-keys.js'
import { TokenState } from './token-state.js'

for (const backend of backends) {
  describe(`identity storage on ${backend.name}`, () => {
    let db: Db
    const clock = new ManualClock('2026-03-01T00:00:00Z')
    before(async () => {
      db = await backend.open()
      await migrate(db, identityStoreMigrations)
    })
    after(async () => db.close())

    it('directory: tenants by GUID and domain, apps, grants, roles and device-group visibility', async () => {
      const dir = new Directory(db, clock)
      const t = await dir.createTenant({ displayName: 'T', domain: 'Fabrikam.example' })
      assert.equal((await dir.findTenant('fabrikam.EXAMPLE'))?.id, t.id)
      assert.equal((await dir.findTenant(t.id.toUpperCase()))?.defaultDomain, 'fabrikam.example')
      assert.equal(await dir.findTenant('nope.example'), null)
      const app = await dir.createApplication({
        tenantId: t.id,
        displayName: 'A',
        redirectUris: ['http://localhost'],
      })
      await dir.grantAppRole(t.id, app.appId, 'res', 'Alert.Read.All')
      await dir.grantAppRole(t.id, app.appId, 'res', 'Alert.Read.All')
      assert.deepEqual(await dir.listAppRoles(app.appId), [
        { resourceAppId: 'res', permission: 'Alert.Read.All' },
      ])
      const u = await dir.createUser({
        tenantId: t.id,
        userPrincipalName: 'A@Fabrikam.example',
        displayName: 'A',
        givenName: null,
        surname: null,
        passwordHash: 'x',
      })
      await dir.grantDelegated(t.id, {
        clientAppId: app.appId,
        resourceAppId: 'res',
        principalId: '',
        scope: 'Alert.Read',
      })
      await dir.grantDelegated(t.id, {
        clientAppId: app.appId,
        resourceAppId: 'res',
        principalId: u.id,
        scope: 'Machine.Read',
      })
      assert.deepEqual([...(await dir.consentedScopes(app.appId, 'res', u.id))].sort(), [
        'Alert.Read',
        'Machine.Read',
      ])
      assert.deepEqual([...(await dir.consentedScopes(app.appId, 'res', 'someone-else'))], ['Alert.Read'])
      for (const id of [1, 2, 3])
        await dir.upsertDeviceGroup({
          tenantId: t.id,
          id,
          name: `g${id}`,
          description: '',
          rank: id,
          rules: {},
          remediationLevel: 'x',
        })
      await dir.upsertRole({
        tenantId: t.id,
        id: 10,
        name: 'Analyst',
        description: '',
        permissions: ['ViewData.SecurityOperations'],
        allDeviceGroups: false,
        deviceGroupIds: [1],
      })
      await dir.upsertRole({
        tenantId: t.id,
        id: 11,
        name: 'Other',
        description: '',
        permissions: ['AlertsInvestigation'],
        allDeviceGroups: false,
        deviceGroupIds: [2],
      })
      assert.deepEqual(await dir.userAccess(t.id, u.id), {
        rbacPermissions: [],
        deviceGroupIds: [],
        roles: [],
      })
      // re-defining a role (same key) in one transaction works on both engines
      await dir.upsertRole({
        tenantId: t.id,
        id: 10,
        name: 'Analyst',
        description: 'v2',
        permissions: ['ViewData.SecurityOperations'],
        allDeviceGroups: false,
        deviceGroupIds: [1],
      })
      await dir.upsertDeviceGroup({
        tenantId: t.id,
        id: 3,
        name: 'g3',
        description: 'v2',
        rank: 3,
        rules: {},
        remediationLevel: 'x',
      })
      await assert.rejects(
        dir.createUser({
          tenantId: t.id,
          userPrincipalName: 'a@fabrikam.example',
          displayName: 'dup',
          givenName: null,
          surname: null,
          passwordHash: 'x',
        }),
      )
      await dir.assignRole(t.id, u.id, 10)
      // Group 1 via the role, group 3 and "ungrouped" (0) because no role is assigned to them; not group 2.
      assert.deepEqual(await dir.userAccess(t.id, u.id), {
        rbacPermissions: ['ViewData.SecurityOperations'],
        deviceGroupIds: [0, 1, 3],
        roles: ['Analyst'],
      })
      await dir.upsertRole({
        tenantId: t.id,
        id: 12,
        name: 'Admin',
        description: '',
        permissions: ['ManagePortalSystemSettings'],
        allDeviceGroups: true,
      })
      await dir.assignRole(t.id, u.id, 12)
      assert.equal((await dir.userAccess(t.id, u.id)).deviceGroupIds, null)
    })

    it('codes are single use; refresh tokens rotate and reuse revokes the family', async () => {
      const st = new TokenState(db, clock)
      const grant = {
        tenantId: 't',
        clientId: 'c',
        userId: 'u',
        scope: 's',
        resource: null,
        endpoint: 'v2' as const,
        authTime: 0,
        amr: ['pwd'],
      }
      const code = await st.issueCode({
        tenantId: 't',
        clientId: 'c',
        userId: 'u',
        redirectUri: 'r',
        grant,
        codeChallenge: null,
        codeChallengeMethod: null,
        nonce: null,
      })
      const [a, b] = await Promise.all([st.redeemCode(code), st.redeemCode(code)])
      assert.deepEqual([a.ok, b.ok].sort(), [false, true])
      assert.equal((await st.redeemCode(code)).ok, false)
      const rt1 = await st.issueRefreshToken(
        { familyId: 'fam', tenantId: 't', clientId: 'c', userId: 'u' },
        { lifetimeMs: 1e9, idleMs: 1e8 },
      )
      assert.deepEqual(await st.redeemRefreshToken(rt1, 'other-client'), { ok: false, reason: 'unknown' })
      const r1 = await st.redeemRefreshToken(rt1, 'c')
      assert.equal(r1.ok, true)
      const rt2 = await st.issueRefreshToken(
        { familyId: 'fam', tenantId: 't', clientId: 'c', userId: 'u' },
        { lifetimeMs: 1e9, idleMs: 1e8 },
      )
      assert.equal((await st.redeemRefreshToken(rt1, 'c')).ok, false) // reuse → family revoked
      const r2 = await st.redeemRefreshToken(rt2, 'c')
      assert.deepEqual(r2, { ok: false, reason: 'revoked', clientId: 'c' })
      const rt3 = await st.issueRefreshToken(
        { familyId: 'fam2', tenantId: 't', clientId: 'c', userId: 'u' },
        { lifetimeMs: 1e9, idleMs: 1000 },
      )
      clock.advance(2000)
      assert.equal((await st.redeemRefreshToken(rt3, 'c')).ok, false)
    })

    it('audit events are buffered and written in bulk; list flushes first', async () => {
      const audit = new AuditLog(db, clock, silentLogger)
      audit.record({ tenantId: 'ta', kind: 'signIn', outcome: 'success', actor: 'u1', details: { n: 1 } })
      audit.record({
        tenantId: 'ta',
        kind: 'tokenFailed',
        outcome: 'failure',
        code: '7000215',
        ip: '10.0.0.1',
      })
      audit.record({ tenantId: null, kind: 'directoryChange', outcome: 'success' })
      const rows = await audit.list({ tenantId: 'ta' })
      assert.equal(rows.length, 2)
      const failed = rows.find((r) => r.kind === 'tokenFailed')!
      assert.equal(failed.code, '7000215')
      assert.equal(failed.ip, '10.0.0.1')
      assert.equal(failed.actor, null)
      assert.deepEqual(rows.find((r) => r.kind === 'signIn')!.details, { n: 1 })
      assert.equal((await audit.list({ kind: 'directoryChange' }))[0]!.tenantId, null)
    })

    it('failure counters lock after the limit within the window', async () => {
      const st = new TokenState(db, clock)
      const opts = { windowMs: 60_000, limit: 3, lockMs: 30_000 }
      assert.equal((await st.recordFailure('k', opts)).lockedUntil, 0)
      assert.equal((await st.recordFailure('k', opts)).lockedUntil, 0)
      assert.ok((await st.recordFailure('k', opts)).lockedUntil > clock.nowMs())
      assert.ok((await st.lockedUntil('k')) > 0)
      clock.advance(31_000)
      assert.equal(await st.lockedUntil('k'), 0)
    })

    it('sweep drops stale failure counters (unknown user names cannot grow the table forever)', async () => {
      const st = new TokenState(db, clock)
      const opts = { windowMs: 60_000, limit: 3, lockMs: 30_000 }
      await st.recordFailure('pwd:stale@x', opts)
      for (let i = 0; i < 3; i++) await st.recordFailure('pwd:locked@x', { ...opts, lockMs: 3 * 86_400_000 })
      clock.advance(2 * 86_400_000)
      await st.recordFailure('pwd:fresh@x', opts)
      await st.sweep()
      const keys = (await db.query('SELECT "key" FROM idp_failure_counters WHERE "key" LIKE $1', ['pwd:%@x']))
        .map((r) => String(r.key))
        .sort()
      assert.deepEqual(keys, ['pwd:fresh@x', 'pwd:locked@x'])
    })

    it('signing keys: current + next published; rotation keeps the previous; two rings agree', async () => {
      const ring = new KeyRing(db, clock, silentLogger, 1)
      await ring.ensure()
      const first = ring.signingKey().kid
      assert.equal(ring.jwks().keys.length, 2)
      const other = new KeyRing(db, clock, silentLogger, 1)
      await other.ensure()
      assert.equal(other.signingKey().kid, first)
      clock.advance(86_400_000)
      await ring.ensure()
      const kids = ring.jwks().keys.map((k) => k.kid)
      assert.equal(kids.length, 3)
      assert.notEqual(ring.signingKey().kid, first)
      assert.ok(kids.includes(first))
      clock.advance(2 * 86_400_000)
      await ring.ensure()
      assert.equal(ring.hasKid(first), false)
      const jwk = ring.jwks().keys[0]!
      assert.equal(jwk.kid, jwk.x5t)
      assert.equal(jwk.kty, 'RSA')
      assert.ok(jwk.x5c[0]!.length > 500)
    })
  })
}
