import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { createAppRouter } from './router'
import { API_KEY, createDefaultApi } from './api/index'
import './styles.css'

const app = createApp(App)
app.provide(API_KEY, createDefaultApi())
app.use(createPinia())
app.use(createAppRouter())
app.mount('#app')
