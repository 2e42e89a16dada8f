import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pickLocale, t } from './i18n.js'

describe('locale selection', () => {
  it('prefers ui_locales/mkt, then Accept-Language by q, defaults to English', () => {
    assert.equal(pickLocale('ja-JP', 'en-US'), 'ja')
    assert.equal(pickLocale('en', 'ja'), 'en')
    assert.equal(pickLocale(undefined, 'fr-FR,ja;q=0.8,en;q=0.5'), 'ja')
    assert.equal(pickLocale(undefined, 'en;q=0.9,ja;q=0.3'), 'en')
    assert.equal(pickLocale(undefined, undefined), 'en')
    assert.equal(
      t('ja', 'deviceMessage', 'U', 'C'),
      'サインインするには、Web ブラウザーを使用してページ U を開き、コード C を入力して認証します。',
    )
  })
})
