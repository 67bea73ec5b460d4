import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { createAppRouter } from './router'
import { API_KEY, createDefaultApi } from './api/index'
import { createAppI18n, installLocale } from './i18n/index'
import './styles/tokens.css'
import './styles/base.css'

const app = createApp(App)
const i18n = createAppI18n()
installLocale(i18n)
app.provide(API_KEY, createDefaultApi())
app.use(createPinia())
app.use(i18n)
app.use(createAppRouter())
app.mount('#app')
