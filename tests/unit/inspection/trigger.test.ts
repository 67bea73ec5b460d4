import { afterEach, describe, expect, it } from 'vitest'
import { TriggerConfigError, TriggerServer } from '../../../electron/services/inspection/trigger'
import { counterPartId, compilePartIdPattern, partIdFromFileName, PartIdPatternError } from '../../../electron/services/inspection/part-id'

const servers: TriggerServer[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop()
})

describe('TriggerServer', () => {
  it('accepts POST /trigger on loopback with an optional part id', async () => {
    const got: Array<{ partId?: string }> = []
    const server = new TriggerServer({ onTrigger: (p) => void got.push(p) })
    servers.push(server)
    const url = await server.start()
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/trigger$/)
    expect((await fetch(url, { method: 'POST', body: JSON.stringify({ partId: 'A-17' }) })).status).toBe(202)
    expect((await fetch(url, { method: 'POST' })).status).toBe(202)
    expect(got).toEqual([{ partId: 'A-17' }, {}])
    expect((await fetch(url, { method: 'GET' })).status).toBe(405)
    expect((await fetch(url.replace('/trigger', '/other'), { method: 'POST' })).status).toBe(404)
    expect((await fetch(url, { method: 'POST', body: '{not json' })).status).toBe(400)
    expect(got.length).toBe(2)
  })

  it('requires the token when one is set, and refuses to be exposed without one', async () => {
    expect(() => new TriggerServer({ host: '0.0.0.0', onTrigger: () => {} })).toThrow(TriggerConfigError)
    const got: unknown[] = []
    const server = new TriggerServer({ token: 's3cret', onTrigger: (p) => void got.push(p) })
    servers.push(server)
    const url = await server.start()
    expect((await fetch(url, { method: 'POST' })).status).toBe(401)
    expect((await fetch(url, { method: 'POST', headers: { authorization: 'Bearer wrong!' } })).status).toBe(401)
    expect((await fetch(url, { method: 'POST', headers: { authorization: 'Bearer s3cret' } })).status).toBe(202)
    expect((await fetch(url, { method: 'POST', headers: { 'x-trigger-token': 's3cret' } })).status).toBe(202)
    expect(got.length).toBe(2)
  })
})

describe('part ids', () => {
  it('come from the file name pattern, else a counter', () => {
    const re = compilePartIdPattern('^([A-Z]+-\\d+)_')
    expect(partIdFromFileName('SN-0042_cam1.png', re)).toBe('SN-0042')
    expect(partIdFromFileName('other.png', re)).toBeNull()
    expect(partIdFromFileName('x.png', null)).toBeNull()
    expect(counterPartId(42)).toBe('P-000042')
    expect(() => compilePartIdPattern('([')).toThrow(PartIdPatternError)
  })
})
