import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { backends } from '../helpers/stores.js'
import { createHarness, json, M1, type Harness } from './api-harness.js'

/** TVM entity sets (mde-api.md §3.12–3.14) and `$metadata`, on the harness seed (widget_pro on M1). */
const SW = 'contoso-_-widget_pro'
const CVE = 'CVE-2024-00001'
const REC = 'va-_-contoso-_-widget_pro'

for (const backend of backends)
  describe(`TVM entity sets and $metadata (${backend.name})`, () => {
    let h: Harness
    before(async () => {
      h = await createHarness(backend)
    })
    after(() => h.close())

    const get = async (url: string, status = 200) => {
      const r = await h.req('GET', url)
      assert.equal(r.statusCode, status, `${url}: ${r.body}`)
      return json(r)
    }
    const ids = (body: Record<string, unknown>) => (body.value as { id: string }[]).map((x) => x.id)

    it('serves /Software with the documented fields, OData options and its machines and vulnerabilities', async () => {
      const list = await get('/api/Software')
      assert.match(String(list['@odata.context']), /\/api\/\$metadata#Software$/)
      assert.deepEqual(list.value, [
        {
          id: SW,
          name: 'widget_pro',
          vendor: 'contoso',
          weaknesses: 14,
          publicExploit: true,
          activeAlert: false,
          exposedMachines: 37,
          impactScore: 3.61,
        },
      ])
      assert.deepEqual(ids(await get("/api/software?$filter=vendor eq 'contoso'&$top=5")), [SW])
      assert.deepEqual(ids(await get("/api/Software?$filter=vendor eq 'nobody'")), [])
      const bad = await get('/api/Software?$filter=weaknesses gt 3', 400)
      assert.equal((bad.error as { code: string }).code, 'ODataError')
      await get('/api/Software?$top=10001', 400)
      const one = await get(`/api/Software/${SW}`)
      assert.match(String(one['@odata.context']), /#Software\/\$entity$/)
      assert.equal(one.id, SW)
      assert.equal(
        ((await get('/api/Software/nobody-_-nothing', 404)).error as { code: string }).code,
        'ResourceNotFound',
      )
      const refs = await get(`/api/Software/${SW}/machineReferences`)
      assert.match(String(refs['@odata.context']), /#MachineReferences$/)
      const [ref] = refs.value as Record<string, unknown>[]
      assert.deepEqual(Object.keys(ref!), [
        'id',
        'computerDnsName',
        'osPlatform',
        'rbacGroupName',
        'rbacGroupId',
      ])
      assert.equal(ref!.id, M1)
      assert.deepEqual(ids(await get(`/api/Software/${SW}/vulnerabilities`)), [CVE])
    })

    it('serves /vulnerabilities (top ≤ 8,000), one by id, its machines, and machinesVulnerabilities', async () => {
      const list = await get('/api/vulnerabilities')
      assert.deepEqual(ids(list), [CVE])
      await get('/api/vulnerabilities?$top=8001', 400)
      assert.deepEqual(ids(await get("/api/vulnerabilities?$filter=severity eq 'High'")), [CVE])
      assert.deepEqual(ids(await get('/api/vulnerabilities?$filter=cvssV3 ge 9.9')), [])
      assert.equal((await get(`/api/vulnerabilities/${CVE.toLowerCase()}`)).id, CVE)
      await get('/api/vulnerabilities/CVE-1999-0001', 404)
      assert.deepEqual(ids(await get(`/api/vulnerabilities/${CVE}/machineReferences`)), [M1])
      const mv = await get(`/api/vulnerabilities/machinesVulnerabilities?$filter=machineId eq '${M1}'`)
      assert.match(String(mv['@odata.context']), /PublicAssetVulnerabilityDto/)
      const [row] = mv.value as Record<string, unknown>[]
      assert.equal(row!.cveId, CVE)
      assert.equal(row!.machineId, M1)
    })

    it('serves /recommendations, one by id and its machines', async () => {
      assert.deepEqual(ids(await get('/api/recommendations')), [REC])
      assert.deepEqual(ids(await get("/api/recommendations?$filter=productName eq 'widget_pro'")), [REC])
      assert.equal((await get(`/api/recommendations/${REC}`)).id, REC)
      await get('/api/recommendations/va-_-nobody-_-nothing', 404)
      assert.deepEqual(ids(await get(`/api/recommendations/${REC}/machineReferences`)), [M1])
    })

    it('serves $metadata (the generated CSDL) under /api and /api/v1.0', async () => {
      const expected = readFileSync('src/schema/generated/odata-metadata.xml', 'utf8')
      for (const path of ['/api/$metadata', '/api/v1.0/$metadata']) {
        const r = await h.req('GET', path, { token: null })
        assert.equal(r.statusCode, 200, r.body)
        assert.equal(r.headers['content-type'], 'application/xml')
        assert.equal(r.headers['odata-version'], '4.0')
        assert.equal(r.body, expected)
        assert.match(r.body, /<EntitySet Name="Software" /)
      }
    })
  })
