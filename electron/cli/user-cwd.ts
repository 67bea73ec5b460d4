/**
 * The folder the user typed the command in. `npm run cli -- …` runs the CLI with the
 * package's own folder as the working directory, so `--project plant.dsproj` would land
 * beside the app; npm keeps the user's folder in INIT_CWD. Relative paths must resolve
 * against the user's folder, so the CLI moves there first.
 */
export function userWorkingFolder(env: NodeJS.ProcessEnv, cwd: string): string {
  const init = env.INIT_CWD
  if (env.npm_lifecycle_event && init && init !== cwd) return init
  return cwd
}
