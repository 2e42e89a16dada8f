import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { mdeRoutes } from '../../src/api/mde-api.js'
import type { RouteSpec } from '../../src/api/route.js'
import type { RbacPermission } from '../../src/schema/permissions.js'
import { backends } from '../helpers/stores.js'
import { A1, createHarness, EVENT, FILE_SHA1, json, M1, type Harness } from './api-harness.js'

/** How the route is scoped in user context: a path target in M1's group, a filtered list, or not device-scoped. */
type Scope = 'target' | 'list' | 'none'
interface Sample {
  url: string
  body?: unknown
  multipart?: boolean
  scope: Scope
}

const IN_GROUP = [105] // M1's group (Workstations)
// TVM rows of the harness seed, linked to M1.
const SW = 'contoso-_-widget_pro'
const CVE = 'CVE-2024-00001'
const REC = 'va-_-contoso-_-widget_pro'
const OUTSIDE = [102] // Finance only

function samples(actionId: string, lrId: string): Record<string, Sample> {
  const m = `/api/machines/${M1}`
  const c = { Comment: 'authz matrix' }
  return {
    'alerts.list': { url: '/api/alerts', scope: 'list' },
    'alerts.count': { url: '/api/alerts/$count', scope: 'list' },
    'alerts.get': { url: `/api/alerts/${A1}`, scope: 'target' },
    'alerts.update': { url: `/api/alerts/${A1}`, body: { comment: 'x' }, scope: 'target' },
    'alerts.batchUpdate': {
      url: '/api/alerts/batchUpdate',
      body: { alertIds: [A1], comment: 'x' },
      scope: 'target',
    },
    'alerts.createByReference': {
      url: '/api/alerts/CreateAlertByReference',
      body: {
        eventTime: EVENT.time,
        reportId: String(EVENT.reportId),
        machineId: M1,
        severity: 'Low',
        title: 'Matrix',
        description: 'd',
        recommendedAction: 'r',
        category: 'General',
      },
      scope: 'target',
    },
    'alerts.domains': { url: `/api/alerts/${A1}/domains`, scope: 'target' },
    'alerts.files': { url: `/api/alerts/${A1}/files`, scope: 'target' },
    'alerts.ips': { url: `/api/alerts/${A1}/ips`, scope: 'target' },
    'alerts.machine': { url: `/api/alerts/${A1}/machine`, scope: 'target' },
    'alerts.user': { url: `/api/alerts/${A1}/user`, scope: 'target' },
    'machines.list': { url: '/api/machines', scope: 'list' },
    'machines.findByTag': { url: '/api/machines/findbytag?tag=matrix', scope: 'list' },
    'machines.get': { url: m, scope: 'target' },
    'machines.update': { url: m, body: { deviceValue: 'High' }, scope: 'target' },
    'machines.logonUsers': { url: `${m}/logonusers`, scope: 'target' },
    'machines.alerts': { url: `${m}/alerts`, scope: 'target' },
    'machines.alertsCount': { url: `${m}/alerts/$count`, scope: 'target' },
    'machines.tags': { url: `${m}/tags`, body: { Value: 'matrix', Action: 'Add' }, scope: 'target' },
    'machines.tagsMultiple': {
      url: '/api/machines/AddOrRemoveTagForMultipleMachines',
      body: { Value: 'matrix', Action: 'Add', MachineIds: [M1] },
      scope: 'target',
    },
    'machines.setDeviceValue': { url: `${m}/setDeviceValue`, body: { DeviceValue: 'Low' }, scope: 'target' },
    'machines.software': { url: `${m}/software`, scope: 'target' },
    'machines.vulnerabilities': { url: `${m}/vulnerabilities`, scope: 'target' },
    'machines.recommendations': { url: `${m}/recommendations`, scope: 'target' },
    'machines.isolate': { url: `${m}/isolate`, body: { ...c, IsolationType: 'Full' }, scope: 'target' },
    'machines.unisolate': { url: `${m}/unisolate`, body: c, scope: 'target' },
    'machines.restrictCodeExecution': { url: `${m}/restrictCodeExecution`, body: c, scope: 'target' },
    'machines.unrestrictCodeExecution': { url: `${m}/unrestrictCodeExecution`, body: c, scope: 'target' },
    'machines.runAntiVirusScan': {
      url: `${m}/runAntiVirusScan`,
      body: { ...c, ScanType: 'Quick' },
      scope: 'target',
    },
    'machines.collectInvestigationPackage': {
      url: `${m}/collectInvestigationPackage`,
      body: c,
      scope: 'target',
    },
    'machines.stopAndQuarantineFile': {
      url: `${m}/StopAndQuarantineFile`,
      body: { ...c, Sha1: FILE_SHA1 },
      scope: 'target',
    },
    'machines.offboard': { url: `${m}/offboard`, body: c, scope: 'target' },
    'machines.liveResponse': {
      url: `${m}/runliveresponse`,
      body: { ...c, Commands: [{ type: 'GetFile', params: [{ key: 'Path', value: 'C:\\a.txt' }] }] },
      scope: 'target',
    },
    'machines.startInvestigation': { url: `${m}/startInvestigation`, body: c, scope: 'target' },
    'machineActions.list': { url: '/api/machineactions', scope: 'list' },
    'machineActions.get': { url: `/api/machineactions/${actionId}`, scope: 'target' },
    'machineActions.cancel': { url: `/api/machineactions/${actionId}/cancel`, body: c, scope: 'target' },
    'machineActions.packageUri': { url: `/api/machineactions/${actionId}/getPackageUri`, scope: 'target' },
    'machineActions.liveResponseResult': {
      url: `/api/machineactions/${lrId}/GetLiveResponseResultDownloadLink(index=0)`,
      scope: 'target',
    },
    'investigations.list': { url: '/api/investigations', scope: 'list' },
    'investigations.get': { url: '/api/investigations/913', scope: 'target' },
    'indicators.list': { url: '/api/indicators', scope: 'none' },
    'indicators.submit': {
      url: '/api/indicators',
      body: {
        indicatorValue: 'matrix.example',
        indicatorType: 'DomainName',
        action: 'Block',
        title: 't',
        description: 'd',
      },
      scope: 'none',
    },
    'indicators.import': { url: '/api/indicators/import', body: { Indicators: [] }, scope: 'none' },
    'indicators.batchDelete': {
      url: '/api/indicators/BatchDelete',
      body: { IndicatorIds: ['999999'] },
      scope: 'none',
    },
    'indicators.delete': { url: '/api/indicators/999999', scope: 'none' },
    'files.get': { url: `/api/files/${FILE_SHA1}`, scope: 'none' },
    'files.alerts': { url: `/api/files/${FILE_SHA1}/alerts`, scope: 'list' },
    'files.machines': { url: `/api/files/${FILE_SHA1}/machines`, scope: 'list' },
    'files.stats': { url: `/api/files/${FILE_SHA1}/stats`, scope: 'none' },
    'ips.alerts': { url: '/api/ips/203.0.113.77/alerts', scope: 'list' },
    'ips.stats': { url: '/api/ips/203.0.113.77/stats', scope: 'none' },
    'domains.alerts': { url: '/api/domains/evil.example/alerts', scope: 'list' },
    'domains.machines': { url: '/api/domains/evil.example/machines', scope: 'list' },
    'domains.stats': { url: '/api/domains/evil.example/stats', scope: 'none' },
    'users.alerts': { url: '/api/users/jdoe/alerts', scope: 'list' },
    'users.machines': { url: '/api/users/jdoe/machines', scope: 'list' },
    'software.list': { url: '/api/Software', scope: 'none' },
    'software.get': { url: `/api/Software/${SW}`, scope: 'none' },
    'software.machineReferences': { url: `/api/Software/${SW}/machineReferences`, scope: 'list' },
    'software.vulnerabilities': { url: `/api/Software/${SW}/vulnerabilities`, scope: 'none' },
    'vulnerabilities.list': { url: '/api/vulnerabilities', scope: 'none' },
    'vulnerabilities.machinesVulnerabilities': {
      url: '/api/vulnerabilities/machinesVulnerabilities',
      scope: 'list',
    },
    'vulnerabilities.get': { url: `/api/vulnerabilities/${CVE}`, scope: 'none' },
    'vulnerabilities.machineReferences': {
      url: `/api/vulnerabilities/${CVE}/machineReferences`,
      scope: 'list',
    },
    'recommendations.list': { url: '/api/recommendations', scope: 'none' },
    'recommendations.get': { url: `/api/recommendations/${REC}`, scope: 'none' },
    'recommendations.machineReferences': {
      url: `/api/recommendations/${REC}/machineReferences`,
      scope: 'list',
    },
    'library.list': { url: '/api/libraryfiles', scope: 'none' },
    'library.upload': { url: '/api/libraryfiles', multipart: true, scope: 'none' },
    'library.delete': { url: '/api/libraryfiles/no-such-file.ps1', scope: 'none' },
    'auditEvents.list': { url: '/api/auditEvents', scope: 'none' },
  }
}

const BOUNDARY = 'matrixboundary'
const MULTIPART = [
  `--${BOUNDARY}`,
  'Content-Disposition: form-data; name="file"; filename="matrix.ps1"',
  '',
  'Write-Output 1',
  `--${BOUNDARY}--`,
  '',
].join('\r\n')

async function call(h: Harness, spec: RouteSpec, s: Sample, token: string | null) {
  if (s.multipart)
    return h.app.inject({
      method: 'POST',
      url: s.url,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
      },
      payload: MULTIPART.replace('matrix.ps1', `matrix-${Math.random().toString(36).slice(2)}.ps1`),
    })
  return h.req(spec.method, s.url, { token, ...(s.body !== undefined ? { body: s.body } : {}) })
}

for (const backend of backends) {
  describe(`authorization matrix: every route × 5 callers (${backend.name})`, () => {
    let h: Harness
    let s: Record<string, Sample>
    before(async () => {
      h = await createHarness(backend)
      const a = json(
        await h.req('POST', `/api/machines/${M1}/collectInvestigationPackage`, { body: { Comment: 'seed' } }),
      )
      const lr = json(
        await h.req('POST', `/api/machines/${M1}/runliveresponse`, {
          body: {
            Comment: 'seed',
            Commands: [{ type: 'GetFile', params: [{ key: 'Path', value: 'C:\\b.txt' }] }],
          },
        }),
      )
      s = samples(String(a.id), String(lr.id))
    })
    after(() => h.close())

    it('has a sample request for every route', () => {
      const missing = mdeRoutes.map((r) => r.operation).filter((op) => !(op in s))
      assert.deepEqual(missing, [])
    })

    for (const spec of mdeRoutes)
      it(`${spec.method} ${spec.url} (${spec.operation})`, async () => {
        const sample = s[spec.operation]!
        const req = spec.requirement
        // 1. No token → 401 with WWW-Authenticate.
        const anon = await call(h, spec, sample, null)
        assert.equal(anon.statusCode, 401, anon.body)
        assert.ok(anon.headers['www-authenticate'])
        assert.equal((json(anon).error as { code: string }).code, 'Unauthorized')
        // 2. Valid token without the permission → 403 naming what is required.
        const weak = await call(h, spec, sample, await h.auth.token({ permissions: ['Score.Read.All'] }))
        assert.equal(weak.statusCode, 403, weak.body)
        const err = json(weak).error as { code: string; message: string }
        assert.equal(err.code, 'Forbidden')
        assert.ok(err.message.includes(req.application[0]!), err.message)
        // 3. Application token with the permission → not refused.
        const app = await call(h, spec, sample, await h.auth.token({ permissions: [req.application[0]!] }))
        assert.ok(![401, 403].includes(app.statusCode), `app: ${app.statusCode} ${app.body}`)
        assert.ok(app.statusCode < 500, app.body)
        const rbac = [req.rbac?.[0]].filter(Boolean) as RbacPermission[]
        // 4. User with the delegated permission, the role and the device group → not refused.
        const inside = await call(
          h,
          spec,
          sample,
          await h.auth.token({ kind: 'user', permissions: [req.delegated[0]!], rbac, groups: IN_GROUP }),
        )
        assert.ok(
          ![401, 403].includes(inside.statusCode),
          `user in group: ${inside.statusCode} ${inside.body}`,
        )
        assert.ok(inside.statusCode < 500, inside.body)
        // A user with the scope but without the role is refused.
        if (rbac.length) {
          const noRole = await call(
            h,
            spec,
            sample,
            await h.auth.token({
              kind: 'user',
              permissions: [req.delegated[0]!],
              rbac: [],
              groups: IN_GROUP,
            }),
          )
          assert.equal(noRole.statusCode, 403, noRole.body)
        }
        // 5. User with the role but outside the device group → targets are 404, lists are filtered.
        const outside = await call(
          h,
          spec,
          sample,
          await h.auth.token({ kind: 'user', permissions: [req.delegated[0]!], rbac, groups: OUTSIDE }),
        )
        if (sample.scope === 'target') {
          assert.equal(outside.statusCode, 404, `outside group: ${outside.body}`)
          assert.equal((json(outside).error as { code: string }).code, 'ResourceNotFound')
        } else if (sample.scope === 'list') {
          assert.equal(outside.statusCode, 200, outside.body)
          assert.ok(
            !outside.body.includes(M1) && !outside.body.includes(A1),
            `outside group sees M1/A1: ${outside.body.slice(0, 300)}`,
          )
          if (spec.operation === 'alerts.count') assert.equal(outside.body, '1')
        } else assert.ok(![401, 403].includes(outside.statusCode) && outside.statusCode < 500, outside.body)
      })
  })
}
