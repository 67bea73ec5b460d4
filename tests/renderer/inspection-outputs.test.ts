import { flushPromises, mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import InspectionOutputs from '../../renderer/src/components/inspection/InspectionOutputs.vue'
import { DEFAULT_LINE_SETTINGS, type LineSettings, type LineStatus } from '../../shared/contract/index'
import { withFakeApi } from './helpers'

function lineStatus(over: { mqtt?: Partial<LineStatus['mqtt']>; plc?: Partial<LineStatus['plc']> } = {}): LineStatus {
  return {
    mqtt: {
      light: 'green',
      state: 'connected',
      url: 'mqtt://broker:1883',
      verdictTopic: 'defect-studio/cell-7/verdict',
      passwordSet: true,
      counters: { sent: 12, failed: 1, pending: 0 },
      lastMessage: { topic: 'defect-studio/cell-7/verdict', partId: 'A-17', verdict: 'FAIL', time: '2026-12-01T10:11:12.000Z' },
      lastError: null,
      ...over.mqtt
    },
    plc: {
      light: 'off',
      state: 'off',
      endpoint: null,
      mode: 'client',
      counters: { sent: 0, failed: 0, pending: 0 },
      lastMessage: null,
      lastError: null,
      ...over.plc
    }
  }
}

async function mountOutputs(settings: LineSettings = { ...DEFAULT_LINE_SETTINGS, mqtt: { ...DEFAULT_LINE_SETTINGS.mqtt, enabled: true, line: 'cell-7' } }) {
  let stored = settings
  const { fake, global } = withFakeApi({
    'line:status': () => lineStatus(),
    'line:settings': (p: { mqtt?: Record<string, unknown>; plc?: Record<string, unknown> }) => {
      if (p.mqtt || p.plc) stored = { mqtt: { ...stored.mqtt, ...p.mqtt }, plc: { ...stored.plc, ...p.plc } } as LineSettings
      return { ...stored, mqtt: { ...stored.mqtt, password: null } }
    }
  })
  const wrapper = mount(InspectionOutputs, { props: { projectPath: '/p/a.dsproj' }, global })
  await flushPromises()
  return { wrapper, fake }
}

describe('Inspect screen: Outputs', () => {
  it('shows each output with its light, counters and last message, and follows line:changed', async () => {
    const { wrapper, fake } = await mountOutputs()
    const text = (id: string) => wrapper.get(`[data-testid="${id}"]`).text()
    expect(wrapper.get('[data-testid="outputs-mqtt-light"]').attributes('data-light')).toBe('green')
    expect(wrapper.get('[data-testid="outputs-mqtt-light"]').attributes('aria-label')).toBe('MQTT working')
    expect(text('outputs-mqtt-sent')).toBe('12')
    expect(text('outputs-mqtt-failed')).toBe('1')
    // The time in the app's locale (the clock time of the message, as Intl writes it).
    expect(text('outputs-mqtt-last')).toBe(`Last: part A-17 FAIL at ${new Date('2026-12-01T10:11:12.000Z').toLocaleTimeString('en', { hour: '2-digit', minute: '2-digit', second: '2-digit' })}`)
    expect(text('outputs-plc-state')).toBe('off')
    expect(text('outputs-plc-last')).toBe('No result yet.')

    fake.emit('line:changed', lineStatus({
      mqtt: { light: 'amber', state: 'reconnecting', counters: { sent: 12, failed: 2, pending: 5 }, lastError: 'connect ECONNREFUSED' },
      plc: { light: 'red', state: 'fault', endpoint: '10.0.0.5:502', counters: { sent: 40, failed: 1, pending: 1 }, lastMessage: { partId: '41', result: 'ERROR', time: '2026-12-01T10:12:00.000Z' }, lastError: 'The PLC did not acknowledge part 41' }
    }))
    await flushPromises()
    expect(wrapper.get('[data-testid="outputs-mqtt-light"]').attributes('data-light')).toBe('amber')
    expect(text('outputs-mqtt-pending')).toBe('5')
    expect(text('outputs-mqtt-error')).toBe('connect ECONNREFUSED')
    expect(wrapper.get('[data-testid="outputs-plc-light"]').attributes('aria-label')).toBe('PLC fault')
    expect(text('outputs-plc-last')).toBe(`Last: part 41 ERROR at ${new Date('2026-12-01T10:12:00.000Z').toLocaleTimeString('en', { hour: '2-digit', minute: '2-digit', second: '2-digit' })}`)
    expect(text('outputs-plc-error')).toMatch(/did not acknowledge part 41/)
    wrapper.unmount()
    expect(fake.listenerCount('line:changed')).toBe(0)
  })

  it('saves the settings per project; the stored password is kept unless a new one is typed', async () => {
    const { wrapper, fake } = await mountOutputs()
    await wrapper.get('[data-testid="outputs-edit"]').trigger('click')
    await wrapper.get('[data-testid="outputs-plc-enabled"]').setValue(true)
    await wrapper.get('[data-testid="outputs-plc-host"]').setValue('10.0.0.5')
    await wrapper.get('[data-testid="outputs-plc-ack"]').setValue('750')
    await wrapper.get('[data-testid="outputs-settings"]').trigger('submit')
    await flushPromises()
    const first = fake.calls.filter((c) => c.channel === 'line:settings').at(-1)!.payload as { mqtt: Record<string, unknown>; plc: Record<string, unknown> }
    expect(first.plc).toMatchObject({ enabled: true, host: '10.0.0.5', ackTimeoutMs: 750 })
    expect('password' in first.mqtt).toBe(false)
    expect(wrapper.get('[data-testid="outputs-notice"]').text()).toMatch(/Saved/)

    await wrapper.get('[data-testid="outputs-edit"]').trigger('click')
    await wrapper.get('[data-testid="outputs-mqtt-password"]').setValue('s3cret')
    await wrapper.get('[data-testid="outputs-settings"]').trigger('submit')
    await flushPromises()
    const second = fake.calls.filter((c) => c.channel === 'line:settings').at(-1)!.payload as { mqtt: Record<string, unknown> }
    expect(second.mqtt.password).toBe('s3cret')
  })

  it('shows the reason when the settings are refused, and keeps what was typed', async () => {
    const { wrapper, fake } = await mountOutputs()
    fake.handle('line:settings', (p: { mqtt?: unknown }) => {
      if (p.mqtt) throw new Error('Invalid line settings: mqtt.url: use mqtt://host:port or mqtts://host:port')
      return DEFAULT_LINE_SETTINGS
    })
    await wrapper.get('[data-testid="outputs-edit"]').trigger('click')
    await wrapper.get('[data-testid="outputs-mqtt-url"]').setValue('http://broker')
    await wrapper.get('[data-testid="outputs-settings"]').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid="outputs-error"]').text()).toMatch(/mqtt\.url: use mqtt:\/\/host:port/)
    expect((wrapper.get('[data-testid="outputs-mqtt-url"]').element as HTMLInputElement).value).toBe('http://broker')
  })
})
