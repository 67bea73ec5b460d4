import { createRouter, createWebHashHistory, type RouteRecordRaw, type Router } from 'vue-router'
import LabelView from './views/LabelView.vue'
import ModelsView from './views/ModelsView.vue'
import ProjectsView from './views/ProjectsView.vue'
import { useOperatorModeStore } from './stores/operator-mode'

// Heavier screens load on first visit (charts, camera): the labelling screen starts faster.
// Inspect and History belong to the inspection screens (views/InspectView.vue, views/HistoryView.vue); the shell only routes to them.
const TrainView = () => import('./views/TrainView.vue')
const InspectView = () => import('./views/InspectView.vue')
const HistoryView = () => import('./views/HistoryView.vue')
const OperatorView = () => import('./views/OperatorView.vue')

/**
 * The screens, in navigation order. `name` names the nav item, the screen root
 * (`nav-<name>`, `screen-<name>`) and the title's message key (`nav.<name>`).
 */
export const screens = [
  { path: '/projects', name: 'projects', icon: 'folder', component: ProjectsView },
  { path: '/label', name: 'label', icon: 'tag', component: LabelView },
  { path: '/train', name: 'train', icon: 'chart', component: TrainView },
  { path: '/inspect', name: 'inspect', icon: 'camera', component: InspectView },
  { path: '/history', name: 'history', icon: 'history', component: HistoryView },
  { path: '/models', name: 'models', icon: 'layers', component: ModelsView }
] as const

export type ScreenName = (typeof screens)[number]['name']

const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/label' },
  ...screens.map((s) => ({ path: s.path, name: s.name, component: s.component })),
  // Full screen for the line PC: no navigation, no status bar (App.vue reads meta.fullscreen).
  { path: '/operator', name: 'operator', component: OperatorView, meta: { fullscreen: true } },
  { path: '/:pathMatch(.*)*', redirect: '/label' }
]

/**
 * Hash history: works the same under Electron's file:// page and browser mode's http
 * server, and needs no server-side fallback route.
 */
export function createAppRouter(): Router {
  const router = createRouter({ history: createWebHashHistory(), routes })
  // Operator mode: the line view is the only screen (an operator cannot reach Models or
  // settings by accident); unlocking happens in that view, behind a confirmation.
  router.beforeEach((to) => {
    if (to.name !== 'operator' && useOperatorModeStore().locked) return { name: 'operator' }
    return true
  })
  return router
}
