import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { WriteBehind } from '../../src/core/write-behind.js'

describe('WriteBehind', () => {
  test('writes never overlap; flush waits for the write it starts', async () => {
    const events: string[] = []
    let n = 0
    const wb = new WriteBehind(10_000, async () => {
      const i = ++n
      events.push(`start ${i}`)
      await sleep(20)
      events.push(`end ${i}`)
    })
    const a = wb.flush()
    const b = wb.flush()
    await b
    assert.deepEqual(events, ['start 1', 'end 1', 'start 2', 'end 2'])
    await a
  })

  test('schedule writes once after the delay, however often it is asked', async () => {
    let writes = 0
    const wb = new WriteBehind(15, () => {
      writes++
      return Promise.resolve()
    })
    wb.schedule()
    wb.schedule()
    wb.schedule()
    assert.equal(writes, 0)
    await sleep(60)
    assert.equal(writes, 1)
    // A flush cancels a pending scheduled write (it writes now instead).
    wb.schedule()
    await wb.flush()
    await sleep(40)
    assert.equal(writes, 2)
  })
})
