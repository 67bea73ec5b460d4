/**
 * `npx tsx bench/frame-transport.ts`: what it costs to get one camera frame from Chromium's
 * fake camera (640×480 y4m) to a Node WebSocket server, per way of reading it, measured as
 * CPU milliseconds per frame of the browser and of this process (the server), with the
 * idle cost (the camera playing, nothing read) taken off. Frames are read at a fixed pace
 * (--fps, default 20), so every way pays the same fixed cost per second.
 *
 * Ways: 'jpeg' (canvas drawImage + toBlob JPEG q0.92, what the screen did before),
 * 'canvas-rgba' (drawImage + getImageData), 'videoframe-rgba' (WebCodecs VideoFrame.copyTo
 * RGBA, what the screen does now), 'videoframe-small' (the same, then a 64×64 box shrink in
 * the page as a stand-in for a renderer-side resize: the message is then 12 KB),
 * 'videoframe-read' (copyTo only, 16 bytes sent: the cost of reading without the transport).
 * Flags: --frames N per way (default 80), --fps N, --width/--height of the camera.
 */
import { createServer } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'
import { WebSocketServer } from 'ws'
import { generateSyntheticSet } from '../tests/support/synthetic-defects'
import { CHROMIUM_PATH } from '../tests/e2e/support/browser'
import { writeY4m } from '../tests/e2e/support/y4m'
import { cpuDelta, descendantCpuMs } from './process-cpu'

const { values } = parseArgs({ options: { frames: { type: 'string', default: '80' }, fps: { type: 'string', default: '20' }, width: { type: 'string', default: '640' }, height: { type: 'string', default: '480' } } })
const FRAMES = Number(values.frames)
const FPS = Number(values.fps)
const W = Number(values.width)
const H = Number(values.height)
const WAYS = ['idle', 'jpeg', 'canvas-rgba', 'videoframe-rgba', 'videoframe-read', 'videoframe-small', 'idle', 'jpeg', 'videoframe-rgba', 'videoframe-small'] as const

declare const window: { __run(way: string, frames: number, fps: number): Promise<{ bytes: number; sent: number }> }

const PAGE = `<!doctype html><html><body><video id="v" muted playsinline></video><script>
const v = document.getElementById('v')
const canvas = document.createElement('canvas')
let ctx = null
const ready = (async () => {
  v.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: ${W}, height: ${H} } })
  await v.play()
  while (v.videoWidth === 0) await new Promise((r) => setTimeout(r, 20))
})()
const ws = new WebSocket('ws://' + location.host + '/ws')
ws.binaryType = 'arraybuffer'
const opened = new Promise((r) => ws.addEventListener('open', r))
async function grab(way) {
  const w = v.videoWidth, h = v.videoHeight
  if (way === 'jpeg' || way === 'canvas-rgba') {
    if (canvas.width !== w) { canvas.width = w; canvas.height = h; ctx = canvas.getContext('2d', { willReadFrequently: way === 'canvas-rgba' }) }
    ctx.drawImage(v, 0, 0)
    if (way === 'canvas-rgba') return ctx.getImageData(0, 0, w, h).data
    const blob = await new Promise((r) => canvas.toBlob(r, 'image/jpeg', 0.92))
    return new Uint8Array(await blob.arrayBuffer())
  }
  const f = new VideoFrame(v)
  try {
    const out = new Uint8Array(f.visibleRect.width * f.visibleRect.height * 4)
    await f.copyTo(out, { format: 'RGBA', colorSpace: 'srgb' })
    if (way === 'videoframe-rgba') return out
    if (way === 'videoframe-read') return out.subarray(0, 16)
    const S = 64, fw = f.visibleRect.width, fh = f.visibleRect.height, small = new Uint8Array(S * S * 3)
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) for (let c = 0; c < 3; c++) {
      let s = 0, n = 0
      for (let yy = Math.floor(y * fh / S); yy < Math.floor((y + 1) * fh / S); yy++) for (let xx = Math.floor(x * fw / S); xx < Math.floor((x + 1) * fw / S); xx++) { s += out[(yy * fw + xx) * 4 + c]; n++ }
      small[(y * S + x) * 3 + c] = s / n
    }
    return small
  } finally { f.close() }
}
window.__run = async (way, frames, fps) => {
  await ready; await opened
  let bytes = 0, sent = 0
  const t0 = performance.now()
  for (let i = 0; i < frames; i++) {
    const due = t0 + (i * 1000) / fps
    const wait = due - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    if (way === 'idle') continue
    const data = await grab(way)
    ws.send(data)
    bytes += data.byteLength
    sent++
  }
  return { bytes, sent }
}
</script></body></html>`

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'bench-frame-transport-'))
  const server = createServer((req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE))
  const wss = new WebSocketServer({ server, path: '/ws', maxPayload: 64 * 1024 * 1024 })
  let received = 0
  wss.on('connection', (ws) => ws.on('message', (data: Buffer | Buffer[]) => (received += Array.isArray(data) ? Buffer.concat(data).byteLength : data.byteLength)))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const port = (server.address() as { port: number }).port
  try {
    const parts = await generateSyntheticSet({ root: join(root, 'parts'), seed: 33, counts: { ok: 3, scratch: 1 }, width: 160, height: 120, colour: 'rgb' })
    const video = join(root, 'camera.y4m')
    await writeY4m(video, parts.files.map((f) => f.path), 6, { width: W, height: H, fps: 30 })
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${video}`]
    })
    try {
      const page = await browser.newPage()
      await page.goto(`http://127.0.0.1:${port}/`)
      await page.evaluate(() => window.__run('idle', 10, 20))
      console.log(`Frame transport: ${W}×${H} fake camera, ${FRAMES} frames per way at ${FPS} fps; CPU ms per frame (idle camera cost taken off); browser = Chromium processes, server = this process.`)
      let idle = { browser: 0, server: 0 }
      for (const way of WAYS) {
        const before = descendantCpuMs()
        const self0 = process.cpuUsage()
        const r0 = received
        const { bytes, sent } = await page.evaluate(({ way, frames, fps }) => window.__run(way, frames, fps), { way, frames: FRAMES, fps: FPS })
        await new Promise((r) => setTimeout(r, 300))
        const browserMs = cpuDelta(before, descendantCpuMs()).chromium ?? 0
        const s = process.cpuUsage(self0)
        const serverMs = (s.user + s.system) / 1000
        if (way === 'idle') {
          idle = { browser: browserMs / FRAMES, server: serverMs / FRAMES }
          console.log(`idle               browser ${idle.browser.toFixed(1)} ms/frame-slot, server ${idle.server.toFixed(1)} (taken off below)`)
          continue
        }
        console.log(
          `${way.padEnd(18)} browser ${(browserMs / sent - idle.browser).toFixed(1).padStart(5)} ms/frame  server ${(serverMs / sent - idle.server).toFixed(1).padStart(5)} ms/frame  ` +
            `${(bytes / sent / 1024).toFixed(0)} KB/frame, received ${((received - r0) / 1024 / 1024).toFixed(1)} MB`
        )
      }
    } finally {
      await browser.close()
    }
  } finally {
    wss.close()
    server.close()
    await rm(root, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
