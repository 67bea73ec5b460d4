import { resolve } from 'node:path'
import { runTrainingJob, type TrainOutcome } from '../../engine/train/training-job'
import { createDemoProject, DEMO_TRAINING } from '../../services/demo/demo-project'
import { ImportService } from '../../services/import-service'
import { ProjectService } from '../../services/project-service'
import { projectTrainingData } from '../../services/training-data'
import { openProject } from '../../store/project-store'
import { printJson, requireString, type CliCommand, type CliIo } from '../command'

/** The Inspect screen with the Demo camera started (renderer/src/views/InspectView.vue reads `camera=demo`). */
export const DEMO_LIVE_ROUTE = '/inspect?camera=demo'
/** `serve`'s default address. */
const SERVE_URL = 'http://127.0.0.1:5183'

/**
 * `defect-studio demo`: the sample project of generated parts (good washers and three
 * defect kinds, grayscale and colour), made through the real import, trained quickly
 * (`--no-train`: not), and how to watch it inspect the Demo camera live in browser mode.
 * JSON: `{ "project", "images": { class: n }, "goodClass", "next": [command …],
 *          "training": { status, modelVersion, activated, accuracy, balancedAccuracy, seconds } | null,
 *          "live": { "command", "url" } }`.
 */
export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'Create and train a sample project from generated parts, then watch it inspect live',
  usage: [
    'Usage: defect-studio demo --project FILE [--no-train] [--json]',
    '',
    '  --project FILE   the new project file (must not exist)',
    '  --no-train       only create the project (train it later with defect-studio train)',
    '',
    `Then: defect-studio serve --project FILE and open ${SERVE_URL}/#${DEMO_LIVE_ROUTE}`,
    'for live inspection on the Demo camera (generated parts passing on a belt).'
  ].join('\n'),
  options: { project: { type: 'string' }, 'no-train': { type: 'boolean' } },
  async run(args, io) {
    const project = resolve(requireString(args, 'project'))
    const projects = new ProjectService()
    let report: Awaited<ReturnType<typeof createDemoProject>>
    try {
      report = await createDemoProject({ projects, imports: new ImportService() }, project, { train: false })
    } finally {
      projects.close()
    }
    const counts = Object.entries(report.images).map(([name, n]) => `${n} ${name}`).join(', ')
    if (!args.json) io.out(`Created ${project}: ${counts} (good class: "${report.goodClass}").`)
    const outcome = args.values['no-train'] === true ? null : await trainDemo(project, io, args.json)
    const serve = `defect-studio serve --project ${project}`
    const live = { command: serve, url: `${SERVE_URL}/#${DEMO_LIVE_ROUTE}` }
    const next = outcome ? [serve, `defect-studio eval --project ${project}`] : [`defect-studio train --project ${project}`, `defect-studio eval --project ${project}`]
    if (args.json) {
      printJson(io, {
        project,
        images: report.images,
        goodClass: report.goodClass,
        next,
        training: outcome && {
          status: outcome.status,
          runId: outcome.runId,
          modelVersion: outcome.modelVersion,
          activated: outcome.activated,
          accuracy: outcome.metrics?.accuracy ?? null,
          balancedAccuracy: outcome.metrics?.balancedAccuracy ?? null,
          seconds: outcome.seconds.total
        },
        live
      })
      return outcome && outcome.status !== 'done' ? 1 : 0
    }
    if (outcome && outcome.status !== 'done') {
      io.err(`Training did not finish: ${outcome.reason}`)
      return 1
    }
    if (outcome) {
      const pct = (x: number | undefined): string => (x === undefined ? '–' : `${(x * 100).toFixed(1)}%`)
      io.out(`Trained model version ${outcome.modelVersion} in ${Math.round(outcome.seconds.total)} s: accuracy ${pct(outcome.metrics?.accuracy)}, balanced accuracy ${pct(outcome.metrics?.balancedAccuracy)} on the validation images.`)
      io.out('Watch it inspect live, on the Demo camera (generated parts passing on a belt):')
      io.out(`  ${serve}`)
      io.out(`  then open ${live.url}`)
    } else {
      io.out(`Next: ${next.join('   then   ')}`)
      io.out(`Then watch it inspect live: ${serve}, and open ${live.url}`)
    }
    return 0
  }
}

/** The same quick training the app's demo button starts (DEMO_TRAINING), with a line per epoch. */
async function trainDemo(project: string, io: CliIo, json: boolean): Promise<TrainOutcome> {
  const store = openProject(project)
  try {
    if (!json) io.out('Training a small model (about half a minute on a laptop)…')
    return await runTrainingJob(projectTrainingData(store), { ...DEMO_TRAINING.request, width: DEMO_TRAINING.width, augment: DEMO_TRAINING.augment }, {
      onEpoch: (_runId, r) => {
        if (!json) io.out(`  epoch ${r.epoch}/${DEMO_TRAINING.request.epochs}: validation accuracy ${((r.valAccuracy ?? 0) * 100).toFixed(1)}%`)
      }
    })
  } finally {
    store.close()
  }
}
