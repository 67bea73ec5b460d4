import { config } from '@vue/test-utils'
import { createAppI18n } from '../../renderer/src/i18n/index'

// Every component reads its strings through vue-i18n: mount them all with the English
// messages, as the app does for an English system.
config.global.plugins = [...(config.global.plugins ?? []), createAppI18n('en')]
