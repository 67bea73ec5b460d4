import { resolve } from 'node:path'
import { createDemoProject } from '../../services/demo/demo-project'
import { ImportService } from '../../services/import-service'
import { ProjectService } from '../../services/project-service'
import { printJson, requireString, type CliCommand } from '../command'

/**
 * `defect-studio demo`: the sample project of generated parts (good washers and three
 * defect kinds, grayscale and colour), made through the real import, so a new user can try
 * train → eval → inspect without photos of their own.
 * JSON: `{ "project", "images": { class: n }, "goodClass", "next": [command …] }`.
 */
export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'Create a sample project from generated parts to try the whole loop',
  usage: [
    'Usage: defect-studio demo --project FILE [--json]',
    '',
    '  --project FILE   the new project file (must not exist)',
    '',
    'Then: defect-studio train --project FILE, and defect-studio inspect --project FILE --from FOLDER.'
  ].join('\n'),
  options: { project: { type: 'string' } },
  async run(args, io) {
    const project = resolve(requireString(args, 'project'))
    const projects = new ProjectService()
    try {
      const report = await createDemoProject({ projects, imports: new ImportService() }, project, { train: false })
      const next = [`defect-studio train --project ${project}`, `defect-studio eval --project ${project}`]
      if (args.json) {
        printJson(io, { project, images: report.images, goodClass: report.goodClass, next })
        return 0
      }
      const counts = Object.entries(report.images).map(([name, n]) => `${n} ${name}`).join(', ')
      io.out(`Created ${project}: ${counts} (good class: "${report.goodClass}").`)
      io.out(`Next: ${next.join('   then   ')}`)
      return 0
    } finally {
      projects.close()
    }
  }
}
