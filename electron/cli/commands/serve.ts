import { randomBytes } from 'node:crypto'
import { resolve } from 'node:path'
import { startBrowserServer, LOOPBACK_HOSTS } from '../../server/browser-server'
import { removeStaleUploads, uploadRoute } from '../../server/uploads'
import { createAppServices } from '../../services/app-services'
import { optionalNumber, printJson, UsageError, type CliCommand } from '../command'

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Browser mode: serve the app on http://127.0.0.1 (for headless line PCs and tests)',
  usage: [
    'Usage: defect-studio serve [--port N] [--project FILE] [--allow-folder DIR]... [--host ADDR --token T] [--json]',
    '',
    '  --port N        port to listen on (default 5183; 0 = any free port)',
    '  --project FILE  open this project at start',
    '  --allow-folder DIR  a folder the browser may import from / write to (repeatable); also',
    '                  allowed: the open project\'s folder, the data folder, and settings.json\'s',
    '                  "allowedFolders" in the data folder',
    '  --host ADDR     listen on another address than 127.0.0.1 (exposes the app on the',
    '                  network: requires --token, or one is generated and printed)',
    '  --token T       access token (needed when exposed; clients open the printed URL)',
    '  --json          print {"event":"listening","url":...} when ready'
  ].join('\n'),
  options: {
    port: { type: 'string' },
    project: { type: 'string' },
    'allow-folder': { type: 'string', multiple: true },
    host: { type: 'string' },
    token: { type: 'string' }
  },
  async run(args, io) {
    const port = optionalNumber(args, 'port', { min: 0, max: 65535, integer: true }) ?? 5183
    const host = (args.values.host as string | undefined) ?? '127.0.0.1'
    let token = (args.values.token as string | undefined) ?? null
    if (token !== null && token.length < 16) throw new UsageError('--token must be at least 16 characters')
    const exposed = !LOOPBACK_HOSTS.has(host)
    if (exposed && !token) token = randomBytes(24).toString('base64url')

    const allowFolders = ((args.values['allow-folder'] as string[] | undefined) ?? []).map((f) => resolve(f))
    // Uploads of a server that crashed (kill -9, power cut) are removed before this one starts.
    await removeStaleUploads()
    const uploads = uploadRoute()
    const services = await createAppServices({
      mode: 'browser',
      projectFile: args.values.project as string | undefined,
      allowedFolders: [...allowFolders, uploads.dir],
      uploadDir: uploads.dir
    })
    const running = await startBrowserServer({ services, port, host, token }, [uploads.route])
    if (args.json) printJson(io, { event: 'listening', url: running.url, port: running.port, host, exposed })
    else {
      io.out(`Defect Studio is running at ${running.url}`)
      if (exposed) io.out('Exposed on the network: only clients with this URL (its token) can connect. Camera capture from other machines needs HTTPS (see README).')
      io.out('Press Ctrl+C to stop.')
    }
    await new Promise<void>((resolve) => {
      const stop = () => resolve()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
    await running.close()
    await services.close()
    await uploads.cleanup()
    if (args.json) printJson(io, { event: 'stopped' })
    return 0
  }
}
