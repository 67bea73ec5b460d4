import { createRouter, createWebHashHistory, type RouteRecordRaw, type Router } from 'vue-router'
import LabelView from './views/LabelView.vue'
import ModelsView from './views/ModelsView.vue'
import ProjectsView from './views/ProjectsView.vue'

// Heavier screens load on first visit (charts, camera): the labelling screen starts faster.
// Inspect and History belong to the inspection screens (H7's files); the shell only routes to them.
const TrainView = () => import('./views/TrainView.vue')
const InspectView = () => import('./views/InspectView.vue')
const HistoryView = () => import('./views/HistoryView.vue')

/** The screens, in navigation order. `testId` names both the nav item and the screen root. */
export const screens = [
  { path: '/projects', name: 'projects', title: 'Projects', component: ProjectsView },
  { path: '/label', name: 'label', title: 'Label', component: LabelView },
  { path: '/train', name: 'train', title: 'Train', component: TrainView },
  { path: '/inspect', name: 'inspect', title: 'Inspect', component: InspectView },
  { path: '/history', name: 'history', title: 'History', component: HistoryView },
  { path: '/models', name: 'models', title: 'Models', component: ModelsView }
] as const

export type ScreenName = (typeof screens)[number]['name']

const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/label' },
  ...screens.map((s) => ({ path: s.path, name: s.name, component: s.component, meta: { title: s.title } })),
  { path: '/:pathMatch(.*)*', redirect: '/label' }
]

/**
 * Hash history: works the same under Electron's file:// page and browser mode's http
 * server, and needs no server-side fallback route.
 */
export function createAppRouter(): Router {
  return createRouter({ history: createWebHashHistory(), routes })
}
