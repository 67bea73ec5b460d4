import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../../../electron/cli/index'

const bin = join(__dirname, '../../../bin/defect-studio.js')

/** Runs the real command line, as a user would, from the TypeScript sources. */
function cli(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, DEFECT_STUDIO_FROM_SOURCE: '1', DEFECT_STUDIO_DATA_DIR: mkdtempSync(join(tmpdir(), 'ds-cli-')) },
    timeout: 60_000
  })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

async function capture(argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) })
  return { code, out, err }
}

describe('defect-studio CLI', () => {
  it('--help lists the commands and exits 0', () => {
    const r = cli(['--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Usage: defect-studio <command>/)
    expect(r.stdout).toMatch(/\bdoctor\b/)
    expect(r.stdout).toMatch(/\bserve\b/)
  })

  it('--version prints the package version', async () => {
    const r = await capture(['--version', '--json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out[0]!).version).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('doctor --json reports versions, providers, weights search path and data folder', () => {
    const r = cli(['doctor', '--json'])
    expect(r.code).toBe(0)
    const report = JSON.parse(r.stdout.trim().split('\n').pop()!)
    expect(report.node).toBe(process.versions.node)
    expect(report.onnxruntime).toMatch(/^\d+\.\d+/)
    expect(report.providers.map((p: { name: string }) => p.name)).toContain('cpu')
    expect(report.dataDir).toContain('ds-cli-')
    expect(report.weightsSearchOrder.length).toBeGreaterThanOrEqual(2)
    expect(report.weights.resolved.source).toBe('random')
  })

  it('exits non-zero with a one-line reason on a bad argument', () => {
    const r = cli(['doctor', '--frobnicate'])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain('--frobnicate')
  })

  it('prints {"error"} on stdout with --json for unknown commands and bad values', async () => {
    const unknown = await capture(['bake', '--json'])
    expect(unknown.code).toBe(2)
    expect(JSON.parse(unknown.out[0]!).error).toContain('bake')
    const badPort = await capture(['serve', '--port', 'eighty', '--json'])
    expect(badPort.code).toBe(2)
    expect(JSON.parse(badPort.out[0]!).error).toContain('--port')
  })
})
