/** Text of the browser pages and device-flow messages, in English and Japanese. */
export type Locale = 'en' | 'ja'

const en = {
  title: 'Bulwark sign-in',
  signIn: 'Sign in',
  signInTo: 'Sign in to continue to {0}',
  username: 'Email or user name',
  password: 'Password',
  next: 'Sign in',
  badCredentials: 'Your account or password is incorrect.',
  locked: 'Your account is temporarily locked to prevent unauthorized use. Try again later.',
  disabled: 'Your account has been disabled. Contact your administrator.',
  wrongTenant: 'This account does not belong to the organization of this application.',
  consentTitle: 'Permissions requested',
  consentIntro: '{0} would like to:',
  consentAdmin: 'Consent on behalf of your organization',
  accept: 'Accept',
  decline: 'Cancel',
  deviceTitle: 'Enter code',
  deviceIntro: 'Enter the code displayed on your app or device.',
  deviceCode: 'Code',
  deviceBadCode: 'That code is not valid or has expired. Check the code and try again.',
  deviceDone: 'You have signed in to {0} on your device. You may now close this window.',
  deviceDeclined: 'The sign-in request was declined. You may now close this window.',
  signedOut: 'You have signed out of your account. It is a good idea to close all browser windows.',
  errorTitle: 'Sorry, but we are having trouble signing you in.',
  badRequest: 'The request is not valid.',
  sessionExpired: 'This sign-in page has expired. Start again from your application.',
  deviceMessage: 'To sign in, use a web browser to open the page {0} and enter the code {1} to authenticate.',
  signOut: 'Sign out',
  signedInAs: 'Signed in as {0}',
}

const ja: typeof en = {
  title: 'Bulwark サインイン',
  signIn: 'サインイン',
  signInTo: '{0} に進むにはサインインしてください',
  username: 'メール アドレスまたはユーザー名',
  password: 'パスワード',
  next: 'サインイン',
  badCredentials: 'アカウントまたはパスワードが正しくありません。',
  locked:
    '不正使用を防ぐため、アカウントが一時的にロックされています。しばらくしてからもう一度お試しください。',
  disabled: 'アカウントは無効になっています。管理者に問い合わせてください。',
  wrongTenant: 'このアカウントは、このアプリケーションの組織に属していません。',
  consentTitle: '要求されているアクセス許可',
  consentIntro: '{0} は次のことを求めています:',
  consentAdmin: '組織の代理として同意する',
  accept: '承諾',
  decline: 'キャンセル',
  deviceTitle: 'コードの入力',
  deviceIntro: 'アプリまたはデバイスに表示されているコードを入力してください。',
  deviceCode: 'コード',
  deviceBadCode: 'コードが無効か、有効期限が切れています。コードを確認してもう一度お試しください。',
  deviceDone: 'デバイスで {0} にサインインしました。このウィンドウは閉じてかまいません。',
  deviceDeclined: 'サインイン要求は拒否されました。このウィンドウは閉じてかまいません。',
  signedOut: 'アカウントからサインアウトしました。すべてのブラウザー ウィンドウを閉じることをお勧めします。',
  errorTitle: '申し訳ありませんが、サインインで問題が発生しました。',
  badRequest: '要求が無効です。',
  sessionExpired:
    'このサインイン ページの有効期限が切れました。アプリケーションからもう一度やり直してください。',
  deviceMessage:
    'サインインするには、Web ブラウザーを使用してページ {0} を開き、コード {1} を入力して認証します。',
  signOut: 'サインアウト',
  signedInAs: '{0} としてサインイン中',
}

export type MessageKey = keyof typeof en
const catalogues: Record<Locale, typeof en> = { en, ja }

/** `ui_locales` / `mkt` win over Accept-Language; anything not Japanese is English. */
export function pickLocale(explicit: string | undefined, acceptLanguage: string | undefined): Locale {
  const first = (explicit ?? '').split(/[\s,]+/)[0]?.toLowerCase() ?? ''
  if (first) return first.startsWith('ja') ? 'ja' : 'en'
  const langs = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';')
      const q = params.map((x) => /^q=([\d.]+)$/.exec(x.trim())?.[1]).find(Boolean)
      return { tag: (tag ?? '').toLowerCase(), q: q ? Number(q) : 1 }
    })
    .filter((l) => l.tag)
    .sort((a, b) => b.q - a.q)
  for (const l of langs) {
    if (l.tag.startsWith('ja')) return 'ja'
    if (l.tag.startsWith('en')) return 'en'
  }
  return 'en'
}

export function t(locale: Locale, key: MessageKey, ...args: string[]): string {
  return catalogues[locale][key].replace(/\{(\d)\}/g, (_, i: string) => args[Number(i)] ?? '')
}
