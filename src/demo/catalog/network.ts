/** External endpoints the demo's devices talk to: benign SaaS/CDN traffic and attacker infrastructure. */
export interface RemoteEndpoint {
  host: string
  ip: string
  port: number
}

/** Benign destinations (documentation-safe IPs are not used here: these are public-looking but fixed). */
export const BENIGN_ENDPOINTS: readonly RemoteEndpoint[] = [
  { host: 'login.microsoftonline.com', ip: '20.190.151.68', port: 443 },
  { host: 'outlook.office365.com', ip: '52.97.146.162', port: 443 },
  { host: 'teams.microsoft.com', ip: '52.113.194.132', port: 443 },
  { host: 'graph.microsoft.com', ip: '20.190.160.22', port: 443 },
  { host: 'winatp-gw-eus.microsoft.com', ip: '20.42.73.25', port: 443 },
  { host: 'settings-win.data.microsoft.com', ip: '20.42.65.85', port: 443 },
  { host: 'go.microsoft.com', ip: '23.40.218.129', port: 443 },
  { host: 'contoso-my.sharepoint.com', ip: '13.107.136.9', port: 443 },
  { host: 'www.google.com', ip: '142.250.190.36', port: 443 },
  { host: 'update.googleapis.com', ip: '142.250.191.131', port: 443 },
  { host: 'github.com', ip: '140.82.112.3', port: 443 },
  { host: 'objects.githubusercontent.com', ip: '185.199.108.133', port: 443 },
  { host: 'www.linkedin.com', ip: '13.107.42.14', port: 443 },
  { host: 'slack.com', ip: '34.232.119.183', port: 443 },
  { host: 'zoom.us', ip: '170.114.52.2', port: 443 },
  { host: 'www.salesforce.com', ip: '104.109.10.129', port: 443 },
  { host: 'cdn.jsdelivr.net', ip: '151.101.1.229', port: 443 },
  { host: 'ctldl.windowsupdate.com', ip: '93.184.221.240', port: 80 },
  { host: 'archive.ubuntu.com', ip: '91.189.91.83', port: 80 },
  { host: 'security.ubuntu.com', ip: '185.125.190.39', port: 80 },
  { host: 'packages.microsoft.com', ip: '13.90.56.68', port: 443 },
  { host: 'swscan.apple.com', ip: '17.253.83.201', port: 443 },
  { host: 'api.telegram.org', ip: '149.154.167.220', port: 443 },
  { host: 'www.wikipedia.org', ip: '208.80.154.224', port: 443 },
]

/** Attacker infrastructure used by the stories (and by indicators). Ranges are TEST-NET / reserved-looking. */
export const ATTACKER = {
  cradleHost: 'cdn-update.msft-telemetry.xyz',
  cradleIp: '185.220.101.47',
  c2Host: 'status.zupdate-check.tk',
  c2Ip: '45.137.21.9',
  payloadUrlHost: 'files.invoice-docs.net',
  payloadIp: '103.224.182.250',
  reverseShellIp: '198.51.100.23',
  reverseShellPort: 4444,
  bruteForceIp: '203.0.113.77',
  phishSender: 'billing@invoice-docs.net',
} as const

export const CORP_DNS_SERVERS = ['10.0.0.10', '10.0.0.11']
