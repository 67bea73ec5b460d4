import type en from './en'

/** 简体中文. Same keys as en.ts (the type makes a missing or extra key a compile error). */
const zhCN: typeof en = {
  common: {
    dismiss: '关闭',
    cancel: '取消',
    save: '保存',
    close: '关闭',
    undo: '撤销',
    delete: '删除',
    loading: '加载中…',
    none: '无',
    yes: '是',
    no: '否'
  },
  shell: {
    skip: '跳到正文'
  },
  nav: {
    aria: '页面',
    projects: '项目',
    label: '标注',
    train: '训练',
    inspect: '检测',
    history: '历史',
    models: '模型',
    operator: '产线视图'
  },
  theme: {
    toLight: '切换到浅色主题',
    toDark: '切换到深色主题'
  },
  locale: {
    label: '语言',
    system: '跟随系统'
  },
  status: {
    connecting: '正在连接引擎…',
    project: '项目：{name}',
    noProject: '未打开项目',
    engine: '引擎',
    engineState: { starting: '启动中', ready: '就绪', restarting: '重启中', error: '出错', stopped: '已停止' },
    model: '模型 v{version}（{kind}）',
    kind: { classifier: '分类', anomaly: '异常检测' },
    noModel: '尚无模型'
  },
  banner: {
    weightsRandom: '没有预训练的骨干网络权重：训练将从随机初始化开始，准确率会更低，需要更多已标注图像。',
    downloadWeights: '下载权重',
    importWeights: '导入权重文件',
    weightsDownloaded: 'ImageNet 权重已下载：下次训练将从它开始。',
    weightsDownloadFailed: '下载失败：{reason}',
  },
  projects: {
    saved: '设置已保存。',
    open: '当前项目：{name}',
    images: '{n} 张图像',
    classes: '{n} 个类别',
    labelImages: '标注图像',
    close: '关闭项目',
    newTitle: '新建项目',
    newPath: '要创建的项目文件',
    create: '创建',
    openTitle: '打开项目',
    openPath: '项目文件',
    openButton: '打开',
    recentTitle: '最近的项目',
    recentEmpty: '没有最近的项目',
    recentEmptyHelp: '创建或打开的项目会显示在这里。',
    imageSizeName: '图像尺寸（像素）',
    goodClass: '合格类别（通过的工件）',
    choose: '请选择…',
    noClasses: '还没有类别',
    imageSize: '图像尺寸（像素）',
    fit: '图像适配',
    fitDefault: '默认（整张图像）',
    fitWhole: '整张图像，缩放',
    fitCrop: '中心裁剪',
    saveSettings: '保存设置'
  },
  verdict: {
    pass: '合格',
    fail: '不合格',
    none: '无结论'
  },
  operator: {
    title: '产线视图',
    verdictRegion: '判定结果',
    part: '工件 {id}',
    lastFailures: '最近不合格',
    noFailures: '本次会话没有不合格工件。',
    failedPart: '不合格工件 {id}',
    keySpace: '空格键',
    noModel: '没有启用的模型',
    modelVersion: '模型 v{version}',
    anomalyVersion: '异常检测 v{version}',
    keySet: '触发键已设为 {key}。',
    unlockTitle: '切换到工程师模式？',
    unlockMessage: '工程师模式下可以在此更改模型、图像来源和设置，并可打开其他所有页面。',
    unlockConfirm: '切换到工程师',
    modeLabel: '模式',
    modeOperator: '操作员',
    modeEngineer: '工程师',
    exit: '退出产线视图',
    noProjectHelp: '未打开项目。请工程师在“项目”页面打开一个项目。',
    noModelHelp: '没有启用的模型：每个工件都判为“无结论”（计为不合格）。请工程师训练或导入模型。',
    cameraLost: '相机已断开。现在触发的工件将判为“无结论”。请重新连接相机并按“开始”。',
    cameraLabel: '相机画面',
    cameraOff: '相机未开启。请按“开始”。',
    folderRunning: '正在检测监控文件夹 {folder} 中的图像',
    waitingTrigger: '等待工件：请按 {key}',
    waitingPart: '等待工件…',
    pressStart: '按“开始”进行检测',
    inspected: '已检测',
    passed: '合格',
    failed: '不合格',
    noVerdict: '无结论',
    failRate: '不合格率',
    start: '开始',
    stop: '停止',
    inspectNow: '立即检测',
    triggerHint: '触发：按',
    continuousHint: '连续检测：每秒 {rate} 帧',
    setKey: '设置触发键',
    pressKeyNow: '请按下按键或脚踏开关…',
    recordedAs: '记录人：{actor}',
    state: { idle: '已停止', running: '运行中', paused: '已暂停' },
    reason: {
      'engine-error': '引擎错误',
      deadline: '超时',
      'no-model': '无模型',
      'camera-lost': '相机断开',
      'bad-image': '图像无法读取'
    }
  }
}

export default zhCN
