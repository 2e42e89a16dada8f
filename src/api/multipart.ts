/** A part of a multipart/form-data body. */
export interface FormPart {
  name: string
  filename: string | null
  data: Buffer
}

/** Parses multipart/form-data (RFC 7578) from a buffered body; null when malformed. */
export function parseMultipart(body: Buffer, contentType: string): FormPart[] | null {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType)
  const boundary = m?.[1] ?? m?.[2]?.trim()
  if (!boundary || boundary.length > 200) return null
  const delim = Buffer.from(`--${boundary}`)
  const parts: FormPart[] = []
  let pos = body.indexOf(delim)
  if (pos < 0) return null
  for (let guard = 0; guard < 100; guard++) {
    pos += delim.length
    if (body.subarray(pos, pos + 2).toString() === '--') return parts
    if (body.subarray(pos, pos + 2).toString() === '\r\n') pos += 2
    const headerEnd = body.indexOf('\r\n\r\n', pos)
    if (headerEnd < 0) return null
    const headers = body.subarray(pos, headerEnd).toString('utf8')
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), headerEnd + 4)
    if (next < 0) return null
    const disp = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(headers)?.[1] ?? ''
    const name = /\bname="([^"]*)"/i.exec(disp)?.[1]
    if (name === undefined) return null
    const filename = /\bfilename="([^"]*)"/i.exec(disp)?.[1] ?? null
    parts.push({ name, filename, data: body.subarray(headerEnd + 4, next) })
    pos = next + 2
  }
  return null
}
