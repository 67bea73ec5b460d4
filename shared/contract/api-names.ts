/**
 * How contract channel names become the preload's function names, shared by the preload
 * (which builds them) and the renderer's api/ layer (which calls them):
 * 'images:import-folder' → images.importFolder; event 'training:progress' → training.onProgress.
 */
export interface ApiEntry {
  kind: 'request' | 'event'
  channel: string
  domain: string
  name: string
}

export function camelCase(kebab: string): string {
  return kebab.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase())
}

export function requestApiName(channel: string): { domain: string; name: string } {
  const [domain, action] = channel.split(':') as [string, string]
  return { domain, name: camelCase(action) }
}

export function eventApiName(channel: string): { domain: string; name: string } {
  const [domain, action] = channel.split(':') as [string, string]
  const camel = camelCase(action)
  return { domain, name: 'on' + camel.charAt(0).toUpperCase() + camel.slice(1) }
}

export function preloadApiShape(requestChannels: string[], eventChannels: string[]): ApiEntry[] {
  return [
    ...requestChannels.map((channel) => ({ kind: 'request' as const, channel, ...requestApiName(channel) })),
    ...eventChannels.map((channel) => ({ kind: 'event' as const, channel, ...eventApiName(channel) }))
  ]
}
