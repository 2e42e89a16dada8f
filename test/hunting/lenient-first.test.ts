import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { analyze, needsLenient, preprocess } from '../../src/hunting/front-end/analyze.js'
import { HuntingEngine } from '../../src/hunting/index.js'
import { readCorpus } from './demo-data.js'

/**
 * Binding leniently first (skipping a strict attempt that would fail) must never change the analysis:
 * whenever the shortcut is taken, the strict binding indeed fails.
 */
const env = HuntingEngine.shared().env

describe('lenient-first binding', () => {
  test('recognises lenient-only names only where nothing in the query defines them', () => {
    const yes = [
      'DeviceProcessEvents | where TimeGenerated > ago(1d)',
      'ProcessCreationEvents | take 1',
      'DeviceInfo | summarize by SourceSystem',
    ]
    const no = [
      'DeviceProcessEvents | where Timestamp > ago(1d)',
      'DeviceProcessEvents | extend TimeGenerated = Timestamp | where TimeGenerated > ago(1d)',
      'DeviceProcessEvents | where ProcessCommandLine has "TimeGenerated"',
      'DeviceProcessEvents // TimeGenerated\n| take 1',
      'datatable(TimeGenerated: datetime) [] | where TimeGenerated > ago(1d)',
      'DeviceProcessEvents | parse ProcessCommandLine with * "x" TimeGenerated | where TimeGenerated != ""',
      'DeviceProcessEvents | project-rename TimeGenerated = Timestamp',
    ]
    for (const q of yes) assert.equal(needsLenient(q, env), true, q)
    for (const q of no) assert.equal(needsLenient(q, env), false, q)
  })

  test('corpus: every query bound leniently first fails the strict binding', () => {
    let shortcuts = 0
    for (const q of readCorpus()) {
      if (!needsLenient(preprocess(q.query).text, env)) continue
      shortcuts++
      const strict = analyze(q.query, env, false)
      assert.ok(strict.diagnostics.length > 0, `${q.id} binds strictly`)
    }
    assert.ok(shortcuts > 50, `${shortcuts} shortcuts`)
  })
})
