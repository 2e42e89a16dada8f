import { t, type Locale } from './i18n.js'

/** Server-rendered pages (no framework, no external assets). Every interpolated value is escaped. */
export function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )
}

const STYLE = `body{font-family:system-ui,sans-serif;background:#f2f2f2;margin:0}
main{max-width:440px;margin:8vh auto;background:#fff;padding:32px 40px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:1.4em;font-weight:600}label{display:block;margin:12px 0 4px}
input[type=text],input[type=password],input[type=email]{width:100%;box-sizing:border-box;padding:8px;font-size:1em}
button{margin-top:16px;padding:8px 24px;font-size:1em;background:#0067b8;color:#fff;border:0;cursor:pointer}
button.secondary{background:#ccc;color:#000}.error{color:#c00}ul{padding-left:20px}small{color:#555}`

export function page(locale: Locale, title: string, body: string): string {
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`
}

export function signInPage(
  locale: Locale,
  o: { action: string; csrf: string; appName: string; loginHint?: string; error?: string },
): string {
  return page(
    locale,
    t(locale, 'title'),
    `<h1>${esc(t(locale, 'signIn'))}</h1><p>${esc(t(locale, 'signInTo', o.appName))}</p>
${o.error ? `<p class="error" role="alert" id="error">${esc(o.error)}</p>` : ''}
<form method="post" action="${esc(o.action)}">
<input type="hidden" name="csrf" value="${esc(o.csrf)}">
<label for="username">${esc(t(locale, 'username'))}</label>
<input type="email" id="username" name="username" autocomplete="username" required value="${esc(o.loginHint ?? '')}">
<label for="password">${esc(t(locale, 'password'))}</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit" id="signin">${esc(t(locale, 'next'))}</button></form>`,
  )
}

export function consentPage(
  locale: Locale,
  o: {
    action: string
    csrf: string
    appName: string
    user: string
    permissions: string[]
    offerAdmin: boolean
    adminOnly?: boolean
  },
): string {
  const items = o.permissions.map((p) => `<li>${esc(p)}</li>`).join('')
  const admin = o.adminOnly
    ? '<input type="hidden" name="admin" value="1">'
    : o.offerAdmin
      ? `<label><input type="checkbox" name="admin" value="1"> ${esc(t(locale, 'consentAdmin'))}</label>`
      : ''
  return page(
    locale,
    t(locale, 'consentTitle'),
    `<h1>${esc(t(locale, 'consentTitle'))}</h1><p><small>${esc(t(locale, 'signedInAs', o.user))}</small></p>
<p>${esc(t(locale, 'consentIntro', o.appName))}</p><ul id="permissions">${items}</ul>
<form method="post" action="${esc(o.action)}"><input type="hidden" name="csrf" value="${esc(o.csrf)}">${admin}
<button type="submit" name="decision" value="accept" id="accept">${esc(t(locale, 'accept'))}</button>
<button type="submit" name="decision" value="decline" class="secondary" id="decline">${esc(t(locale, 'decline'))}</button></form>`,
  )
}

export function deviceCodePage(
  locale: Locale,
  o: { action: string; csrf: string; error?: string; code?: string },
): string {
  return page(
    locale,
    t(locale, 'deviceTitle'),
    `<h1>${esc(t(locale, 'deviceTitle'))}</h1><p>${esc(t(locale, 'deviceIntro'))}</p>
${o.error ? `<p class="error" role="alert" id="error">${esc(o.error)}</p>` : ''}
<form method="post" action="${esc(o.action)}"><input type="hidden" name="csrf" value="${esc(o.csrf)}">
<label for="code">${esc(t(locale, 'deviceCode'))}</label>
<input type="text" id="code" name="code" autocomplete="one-time-code" required value="${esc(o.code ?? '')}">
<button type="submit" id="next">${esc(t(locale, 'next'))}</button></form>`,
  )
}

export function messagePage(locale: Locale, title: string, message: string, detail?: string): string {
  return page(
    locale,
    title,
    `<h1>${esc(title)}</h1><p id="message">${esc(message)}</p>${detail ? `<p><small id="detail">${esc(detail)}</small></p>` : ''}`,
  )
}

/** response_mode=form_post: an auto-submitting form (script allowed by a per-response CSP nonce). */
export function formPostPage(action: string, fields: Record<string, string>, nonce: string): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('')
  return `<!doctype html><html><head><meta charset="utf-8"><title>Working...</title></head><body>
<form method="post" action="${esc(action)}">${inputs}<noscript><button type="submit">Continue</button></noscript></form>
<script nonce="${esc(nonce)}">document.forms[0].submit()</script></body></html>`
}
