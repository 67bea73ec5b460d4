/**
 * Whether a PNG or JPEG file was cut short (an interrupted copy or camera transfer). The
 * decoder only says "read error" for these; this names the cause. PNG: its chunks are walked
 * from the signature and must reach IEND inside the file. JPEG: the end-of-image marker
 * (FF D9) must be near the end (cameras may pad a few bytes after it).
 */
export function truncatedFormat(bytes: Uint8Array): 'PNG' | 'JPEG' | null {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    let at = 8
    while (at + 8 <= bytes.length) {
      const length = view.getUint32(at)
      const type = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!)
      const end = at + 12 + length
      if (end > bytes.length) return 'PNG'
      if (type === 'IEND') return null
      at = end
    }
    return 'PNG'
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    const from = Math.max(2, bytes.length - 64)
    for (let i = bytes.length - 2; i >= from; i--) if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return null
    return 'JPEG'
  }
  return null
}

/** The sentence for a truncated file, after its name. */
export function truncatedReason(format: 'PNG' | 'JPEG'): string {
  return `is a truncated ${format} file: it ends before ${format === 'PNG' ? 'its last chunk (IEND)' : 'its end-of-image marker'}, so the copy or camera transfer was cut short. Copy it again from the source.`
}
