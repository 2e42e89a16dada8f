import { crc32 } from 'node:zlib'

interface EntryFields {
  dosTime: number
  dosDate: number
  crc: number
  size: number
  nameLength: number
}

/**
 * The run of fields a local file header and its central-directory record share (flags UTF-8 names,
 * method stored, time, date, CRC-32, compressed and uncompressed size, name length), written from `at`.
 */
function writeEntryFields(b: Buffer, at: number, e: EntryFields): void {
  b.writeUInt16LE(0x0800, at)
  b.writeUInt16LE(0, at + 2)
  b.writeUInt16LE(e.dosTime, at + 4)
  b.writeUInt16LE(e.dosDate, at + 6)
  b.writeUInt32LE(e.crc, at + 8)
  b.writeUInt32LE(e.size, at + 12)
  b.writeUInt32LE(e.size, at + 16)
  b.writeUInt16LE(e.nameLength, at + 20)
}

/** A minimal ZIP archive (stored entries, no compression) for generated downloads. */
export function zipStore(files: readonly { name: string; data: Buffer }[], date = new Date(0)): Buffer {
  const dosTime =
    ((date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2)) & 0xffff
  const dosDate =
    (((Math.max(1980, date.getUTCFullYear()) - 1980) << 9) |
      ((date.getUTCMonth() + 1) << 5) |
      date.getUTCDate()) &
    0xffff
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const f of files) {
    const name = Buffer.from(f.name, 'utf8')
    const crc = crc32(f.data)
    const entry = { dosTime, dosDate, crc, size: f.data.length, nameLength: name.length }
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    writeEntryFields(local, 6, entry)
    local.writeUInt16LE(0, 28)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    writeEntryFields(central, 8, entry)
    central.writeUInt32LE(offset, 42)
    locals.push(local, name, f.data)
    centrals.push(central, name)
    offset += local.length + name.length + f.data.length
  }
  const cd = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(files.length, 8)
  end.writeUInt16LE(files.length, 10)
  end.writeUInt32LE(cd.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, cd, end])
}
