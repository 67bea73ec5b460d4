/**
 * English messages: the reference set. zh-CN.ts must have exactly these keys (checked by
 * its type and by tests/renderer/i18n.test.ts). vue-i18n syntax: {name} interpolates;
 * avoid a bare "@", "|", "{" or "}" in text (they are message syntax).
 */
const en = {
  common: {
    dismiss: 'Dismiss',
    cancel: 'Cancel',
    save: 'Save',
    close: 'Close',
    undo: 'Undo',
    delete: 'Delete',
    loading: 'Loading…',
    none: 'none',
    yes: 'yes',
    no: 'no'
  },
  shell: {
    skip: 'Skip to content'
  },
  nav: {
    aria: 'Screens',
    projects: 'Projects',
    label: 'Label',
    train: 'Train',
    inspect: 'Inspect',
    history: 'History',
    models: 'Models',
    operator: 'Line view'
  },
  theme: {
    toLight: 'Switch to light theme',
    toDark: 'Switch to dark theme'
  },
  locale: {
    label: 'Language',
    system: 'System language'
  },
  status: {
    connecting: 'Connecting to the engine…',
    project: 'Project: {name}',
    noProject: 'No project open',
    engine: 'Engine',
    engineState: { starting: 'starting', ready: 'ready', restarting: 'restarting', error: 'error', stopped: 'stopped' },
    model: 'model v{version} ({kind})',
    kind: { classifier: 'classifier', anomaly: 'anomaly' },
    noModel: 'no model yet'
  },
  banner: {
    weightsRandom: 'No pretrained backbone weights: training starts from random initialisation, so accuracy is lower and more labelled images are needed.',
    downloadWeights: 'Download weights',
    importWeights: 'Import weights file',
    weightsDownloaded: 'ImageNet weights downloaded: the next training starts from them.',
    weightsDownloadFailed: 'Download failed: {reason}',
  },
  projects: {
    saved: 'Settings saved.',
    open: 'Open project: {name}',
    images: '{n} images',
    classes: '{n} classes',
    labelImages: 'Label images',
    close: 'Close project',
    newTitle: 'New project',
    newPath: 'Project file to create',
    create: 'Create',
    openTitle: 'Open a project',
    openPath: 'Project file',
    openButton: 'Open',
    recentTitle: 'Recent projects',
    recentEmpty: 'No recent projects',
    recentEmptyHelp: 'Projects you create or open appear here.',
    imageSizeName: 'Image size (pixels)',
    goodClass: 'Good class (parts that pass)',
    choose: 'choose…',
    noClasses: 'no classes yet',
    imageSize: 'Image size (px)',
    fit: 'Image fit',
    fitDefault: 'default (whole image)',
    fitWhole: 'whole image, resized',
    fitCrop: 'centre crop',
    saveSettings: 'Save settings'
  },
  verdict: {
    pass: 'PASS',
    fail: 'FAIL',
    none: 'NO VERDICT'
  },
  operator: {
    title: 'Line view',
    verdictRegion: 'Verdict',
    part: 'Part {id}',
    lastFailures: 'Last failures',
    noFailures: 'No failed part in this session.',
    failedPart: 'Failed part {id}',
    keySpace: 'Space',
    noModel: 'No active model',
    modelVersion: 'Model v{version}',
    anomalyVersion: 'Anomaly v{version}',
    keySet: 'Trigger key set to {key}.',
    unlockTitle: 'Switch to engineer mode?',
    unlockMessage: 'Engineer mode lets this screen change models, sources and settings, and opens every other screen.',
    unlockConfirm: 'Switch to engineer',
    modeLabel: 'Mode',
    modeOperator: 'Operator',
    modeEngineer: 'Engineer',
    exit: 'Exit line view',
    noProjectHelp: 'No project is open. An engineer opens one on the Projects screen.',
    noModelHelp: 'No active model: every part gets NO VERDICT (counted as a reject). An engineer trains or imports one.',
    cameraLost: 'The camera was lost. Parts triggered now get NO VERDICT. Reconnect it and press Start.',
    cameraLabel: 'Camera picture',
    cameraOff: 'Camera off. Press Start.',
    folderRunning: 'Inspecting images from the hot folder {folder}',
    waitingTrigger: 'Waiting for a part: press {key}',
    waitingPart: 'Waiting for a part…',
    pressStart: 'Press Start to inspect',
    inspected: 'Inspected',
    passed: 'Passed',
    failed: 'Failed',
    noVerdict: 'No verdict',
    failRate: 'Fail rate',
    start: 'Start',
    stop: 'Stop',
    inspectNow: 'Inspect now',
    triggerHint: 'Trigger: press',
    continuousHint: 'Continuous: {rate} frames per second',
    setKey: 'Set trigger key',
    pressKeyNow: 'Press the key or pedal now…',
    recordedAs: 'Recorded as {actor}',
    state: { idle: 'Stopped', running: 'Running', paused: 'Paused' },
    reason: {
      'engine-error': 'engine error',
      deadline: 'too slow (deadline)',
      'no-model': 'no model',
      'camera-lost': 'camera lost',
      'bad-image': 'unreadable image'
    }
  }
}

export default en
