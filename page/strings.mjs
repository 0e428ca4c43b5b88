// strings.mjs — every text the demo page shows, in English and Chinese, by
// key. {name} marks a parameter (i18n.mjs fills it in). Keys ending in
// "Html" hold markup written here, never user data. Both languages must
// have the same keys (tests/browser/checker_page.test.mjs checks it).

export const STRINGS = {
  en: {
    title: 'corio: C coroutines in the browser',
    tagline: 'asyncio-style C coroutines, running in your browser',
    language: 'Language',
    tabChecker: 'Website checker',
    tabDemos: 'Coroutine demos',
    tabExamples: 'Examples',
    carrierRelay:
      "Connections: real TCP and TLS through this dev server's relay (it served this page), " +
      "so every site's own status line is read.",
    carrierFetch:
      "Connections: the browser's fetch(), because this page is hosted as static files: " +
      'a site that does not allow cross-origin reads shows no status, and at most 6 requests go to one ' +
      'site at a time. Run `npm start` and open its page for real connections.',

    // ---- the website checker ----
    checkerIntroHtml:
      "Checks the HTTP status of many websites at once, as the guide's " +
      'asyncio example does. The checker is C code compiled to WebAssembly: each URL is a ' +
      'corio task that opens a connection, sends an HTTP request and reads the status line ' +
      "(through this server's relay when <code>npm start</code> serves the page, through " +
      '<code>fetch()</code> when it is hosted as static files), and the tasks run concurrently ' +
      "on the page's own event loop, so the page stays responsive while hundreds of checks run.",
    urls: 'URLs, one per line',
    urlsHint:
      'Lines starting with # are skipped; a URL without a scheme gets https://. ' +
      'The /demo/ URLs are served by this server, so they work offline; public sites fail ' +
      'without internet, each with its own error.',
    restoreDefaults: 'Restore the default list',
    concurrency: 'Concurrency',
    timeout: 'Timeout (s)',
    method: 'Method',
    follow: 'Follow redirects',
    compare: 'Also run sequentially, to compare',
    run: 'Run',
    cancel: 'Cancel',
    statusLoading: 'Loading the checker…',
    statusReady: 'Ready (the checker loaded in {time}).',
    statusUnavailable:
      'The checker could not be loaded ({error}). ' + 'Build it first (make -f emscripten.mk dist), then reload.',
    statusConcurrent: 'Checking {n} URLs concurrently, at most {concurrency} at a time…',
    statusSequential: 'Checking the same {n} URLs one at a time…',
    statusDone: 'Done: {n} URLs checked.',
    statusCancelled: 'Cancelled.',
    statusFailed: 'The run failed: {error}',
    statusNoUrls: 'Enter at least one URL.',
    statusTooMany: 'At most {max} URLs per run.',
    statusBadConcurrency: 'Concurrency must be a whole number from 1 to {max}.',
    statusBadTimeout: 'The timeout must be from {min} to {max} seconds.',
    phaseConcurrent: 'Concurrent run',
    phaseSequential: 'Sequential run',
    progressIdle: 'not started',
    progressCount: '{done} / {total} checked',
    progressInFlight: '{done} / {total} checked, {running} in flight',
    totalConcurrent: 'Concurrent total',
    totalSequential: 'Sequential total',
    speedup: 'Speed-up',
    notRun: 'not run',
    runningFor: '{time}…',
    cancelledAfter: 'cancelled after {time}',
    timesFaster: '{x}× faster',
    timesSlower: '{x}× slower',
    downloadCsv: 'Download CSV',
    downloadJson: 'Download JSON',
    summary: '{ok} OK, {httpError} HTTP errors, {error} failed, {hidden} hidden, {cancelled} cancelled',
    resultsCaption: 'Results of the concurrent run',
    colIndex: '#',
    colUrl: 'URL',
    colStatus: 'Status',
    colReason: 'Reason',
    colTime: 'Time',
    colError: 'Error',
    rowPending: 'waiting',
    rowRunning: 'checking…',
    hidden: 'reachable, status hidden by the browser',
    cancelled: 'cancelled',
    timelineConcurrent: 'Concurrent run: when each check started and ended',
    timelineSequential: 'Sequential run: the same checks, one after another',
    legendOk: 'OK',
    legendHttpError: 'HTTP error',
    legendError: 'failed',
    legendHidden: 'hidden',
    legendCancelled: 'cancelled',
    legendRunning: 'running',
    seconds: '{n} s',
    milliseconds: '{n} ms',

    // ---- the coroutine demos ----
    demosIntroHtml:
      'These demos are C functions (<code>examples/web_demo.c</code>) compiled to ' +
      "WebAssembly. Each runs as a corio task on the browser's own event loop: tasks sleep and " +
      'wake through JS timers, so the page stays responsive while they run. Their ' +
      '<code>printf</code> output appears below as it happens.',
    backend: 'Backend:',
    demoLoading: 'Loading the wasm module…',
    demoReady: 'Ready.',
    debugMode: 'corio debug mode (?debug)',
    taskDump: 'Tasks, live (corio_dump_tasks)',
    taskDumpEmpty: 'No task is running.',
    demoUnavailable: 'Could not load dist/corio.mjs ({error}). Build it first (make dist), then reload.',
    demoTasksTitle: 'Concurrent tasks',
    demoTasksHtml:
      'Starts <var>n</var> worker tasks that each sleep 100–600 ms, and gathers them ' +
      '(<code>corio_task_create</code>, <code>corio_gather</code>). The whole run takes as long ' +
      'as the slowest worker, not the sum of all sleeps.',
    demoTasksArg: 'n workers',
    demoTimeoutTitle: 'Time limit',
    demoTimeoutHtml:
      'Waits for a 1-second job with <code>corio_wait_for</code>. Past the limit, the ' +
      'job is cancelled, its cleanup runs, and the run fails with <code>CORIO_ETIMEDOUT</code>. ' +
      'Try 1500 ms to let it finish.',
    demoTimeoutArg: 'timeout (ms)',
    demoCancelTitle: 'Cancellation',
    demoCancelHtml:
      'Starts a ticker task, then cancels it with <code>corio_task_cancel</code>. The ' +
      "ticker's sleep returns <code>CORIO_ECANCELLED</code>, its cleanup runs (and may still " +
      'wait), and <code>corio_await</code> reports it cancelled.',
    demoCancelArg: 'cancel after (ms)',
    demoHashLoopTitle: 'Blocking work on the loop',
    demoHashLoopHtml:
      "Hashes <var>n</var> MB in plain C on the loop's thread, beside a heartbeat task that " +
      'beats every 10 ms. Nothing else runs meanwhile: the heartbeat stops, and so does the page ' +
      '(watch the live clock). Returns the beats counted while it hashed: 0.',
    demoHashThreadTitle: 'Blocking work on a thread',
    demoHashThreadHtml:
      'The same hash through <code>corio_to_thread</code>: it runs on a worker thread while the ' +
      'loop runs the heartbeat and the page stays live. Returns the beats counted meanwhile. It ' +
      'needs threads (a cross-origin isolated page); elsewhere it fails with ' +
      '<code>CORIO_ENOTSUP</code> and says why.',
    demoHashArg: 'MB to hash',
    threadsLabel: 'Threads:',
    threadsOn: 'yes (cross-origin isolated)',
    threadsOff: 'no (not cross-origin isolated)',
    liveClock: 'Live clock:',
    demoRun: 'Run {name}',
    demoNotRun: 'not run yet',
    demoRunning: 'running…',
    demoReturned: 'returned {value} after {time}',
    logStart: '▶ {name}({arg})',
    logReturned: '✔ {name}({arg}) returned {value} after {time}',
    logFailed: '✘ {name}({arg}) failed after {time}: {error}',
    output: 'Output',
    clear: 'Clear',

    // ---- the example programs ----
    examplesIntroHtml:
      'The programs under <code>examples/</code>, one per topic of the asyncio ' +
      'guide: C programs with <code>main()</code>, compiled to WebAssembly. Pick one to read its ' +
      'source. Run starts it in a worker (a fresh module instance each time), so the page stays ' +
      'responsive, and shows what it prints beside the source. In the browser, streams go through ' +
      "the dev server's relay, and a program that starts its own server listens through it too " +
      "(on the server machine's loopback). Hosted as static files, the page has only " +
      '<code>fetch()</code>: there such a program fails with <code>CORIO_ENOTSUP</code>.',
    examplesLoading: 'Loading the examples…',
    examplesReady: '{n} example programs.',
    examplesUnavailable:
      'Could not load dist/examples/index.json ({error}). ' +
      'Build it first (make -f emscripten.mk dist), then reload.',
    examplesList: 'Programs',
    exampleSource: 'Source',
    exampleSourceLoading: 'Loading the source…',
    exampleSourceFailed: 'Could not load the source ({error}).',
    exampleOutput: 'Output',
    exampleStop: 'Stop',
    exampleNotRun: 'not run yet',
    exampleRunning: 'running…',
    exampleExited: 'exited with status {status} after {time}',
    exampleAborted: 'aborted after {time}: {what}',
    exampleFailed: 'failed after {time}: {error}',
    exampleStopped: 'stopped after {time}',
  },

  zh: {
    title: 'corio：在浏览器中运行的 C 协程',
    tagline: 'asyncio 风格的 C 协程，在你的浏览器中运行',
    language: '语言',
    tabChecker: '网站状态检查',
    tabDemos: '协程演示',
    tabExamples: '示例',
    carrierRelay:
      '连接方式：经由本开发服务器的中继（它提供了本页面）建立真实的 TCP 和 TLS 连接，' +
      '因此能读到每个网站自己的状态行。',
    carrierFetch:
      '连接方式：浏览器的 fetch()，因为本页面作为静态文件托管：' +
      '不允许跨源读取的网站不显示状态，且同一网站同时最多 6 个请求。' +
      '运行 `npm start` 并打开它提供的页面即可使用真实连接。',

    checkerIntroHtml:
      '像指南中的 asyncio 示例那样，同时检查许多网站的 HTTP 状态。检查器是编译成 ' +
      'WebAssembly 的 C 代码：每个 URL 是一个 corio 任务，它打开连接、发送 HTTP 请求并读取状态行' +
      '（由 <code>npm start</code> 提供页面时经由本服务器的中继，作为静态文件托管时经由 ' +
      '<code>fetch()</code>）；这些任务在页面自己的事件循环上并发运行，所以即使同时进行数百个' +
      '检查，页面也保持响应。',
    urls: 'URL 列表，每行一个',
    urlsHint:
      '以 # 开头的行会被跳过；没有协议的 URL 会加上 https://。/demo/ 开头的 URL 由本服务器' +
      '提供，离线也能使用；没有互联网时，公共网站会失败，并各自显示错误。',
    restoreDefaults: '恢复默认列表',
    concurrency: '并发数',
    timeout: '超时（秒）',
    method: '请求方法',
    follow: '跟随重定向',
    compare: '再顺序运行一遍，用于比较',
    run: '运行',
    cancel: '取消',
    statusLoading: '正在加载检查器…',
    statusReady: '就绪（检查器加载用时 {time}）。',
    statusUnavailable: '无法加载检查器（{error}）。请先构建（make -f emscripten.mk dist），然后刷新页面。',
    statusConcurrent: '正在并发检查 {n} 个 URL，同时最多 {concurrency} 个…',
    statusSequential: '正在逐个检查同样的 {n} 个 URL…',
    statusDone: '完成：已检查 {n} 个 URL。',
    statusCancelled: '已取消。',
    statusFailed: '运行失败：{error}',
    statusNoUrls: '请至少输入一个 URL。',
    statusTooMany: '每次最多 {max} 个 URL。',
    statusBadConcurrency: '并发数必须是 1 到 {max} 之间的整数。',
    statusBadTimeout: '超时必须在 {min} 到 {max} 秒之间。',
    phaseConcurrent: '并发运行',
    phaseSequential: '顺序运行',
    progressIdle: '尚未开始',
    progressCount: '已检查 {done} / {total}',
    progressInFlight: '已检查 {done} / {total}，进行中 {running}',
    totalConcurrent: '并发总耗时',
    totalSequential: '顺序总耗时',
    speedup: '加速比',
    notRun: '未运行',
    runningFor: '{time}…',
    cancelledAfter: '{time} 后取消',
    timesFaster: '快 {x} 倍',
    timesSlower: '慢 {x} 倍',
    downloadCsv: '下载 CSV',
    downloadJson: '下载 JSON',
    summary: '成功 {ok}，HTTP 错误 {httpError}，失败 {error}，被隐藏 {hidden}，已取消 {cancelled}',
    resultsCaption: '并发运行的结果',
    colIndex: '#',
    colUrl: 'URL',
    colStatus: '状态码',
    colReason: '原因',
    colTime: '耗时',
    colError: '错误',
    rowPending: '等待中',
    rowRunning: '检查中…',
    hidden: '可以访问，状态被浏览器隐藏',
    cancelled: '已取消',
    timelineConcurrent: '并发运行：每个检查的开始与结束时间',
    timelineSequential: '顺序运行：同样的检查，一个接一个',
    legendOk: '成功',
    legendHttpError: 'HTTP 错误',
    legendError: '失败',
    legendHidden: '被隐藏',
    legendCancelled: '已取消',
    legendRunning: '进行中',
    seconds: '{n} 秒',
    milliseconds: '{n} 毫秒',

    demosIntroHtml:
      '这些演示是编译成 WebAssembly 的 C 函数（<code>examples/web_demo.c</code>）。' +
      '每个演示作为一个 corio 任务运行在浏览器自己的事件循环上：任务通过 JS 定时器休眠和唤醒，' +
      '所以运行时页面保持响应。它们的 <code>printf</code> 输出会实时显示在下方。',
    backend: '后端：',
    demoLoading: '正在加载 wasm 模块…',
    demoReady: '就绪。',
    debugMode: 'corio 调试模式（?debug）',
    taskDump: '实时任务列表（corio_dump_tasks）',
    taskDumpEmpty: '没有正在运行的任务。',
    demoUnavailable: '无法加载 dist/corio.mjs（{error}）。请先构建（make dist），然后刷新页面。',
    demoTasksTitle: '并发任务',
    demoTasksHtml:
      '启动 <var>n</var> 个工作任务，每个休眠 100–600 毫秒，然后汇集它们' +
      '（<code>corio_task_create</code>、<code>corio_gather</code>）。整个运行的耗时等于最慢的' +
      '那个任务，而不是所有休眠时间之和。',
    demoTasksArg: 'n 个工作任务',
    demoTimeoutTitle: '时间限制',
    demoTimeoutHtml:
      '用 <code>corio_wait_for</code> 等待一个耗时 1 秒的作业。超过时限后，作业被取消，' +
      '它的清理代码运行，整个运行以 <code>CORIO_ETIMEDOUT</code> 失败。试试 1500 毫秒，让它完成。',
    demoTimeoutArg: '超时（毫秒）',
    demoCancelTitle: '取消',
    demoCancelHtml:
      '启动一个计时任务，然后用 <code>corio_task_cancel</code> 取消它。计时任务的休眠' +
      '返回 <code>CORIO_ECANCELLED</code>，它的清理代码运行（清理时仍可等待），' +
      '<code>corio_await</code> 报告它已被取消。',
    demoCancelArg: '多久后取消（毫秒）',
    demoHashLoopTitle: '在事件循环上做阻塞工作',
    demoHashLoopHtml:
      '在事件循环的线程上用纯 C 计算 <var>n</var> MB 数据的哈希，旁边有一个每 10 毫秒跳动一次的心跳任务。' +
      '计算期间其他一切都停下：心跳停止，页面也停止（看实时时钟）。返回计算期间的心跳次数：0。',
    demoHashThreadTitle: '在线程上做阻塞工作',
    demoHashThreadHtml:
      '同样的哈希，通过 <code>corio_to_thread</code>：它在工作线程上运行，事件循环照常运行心跳任务，' +
      '页面保持响应。返回期间的心跳次数。它需要线程（跨源隔离的页面）；在别处它以 ' +
      '<code>CORIO_ENOTSUP</code> 失败并说明原因。',
    demoHashArg: '哈希的 MB 数',
    threadsLabel: '线程：',
    threadsOn: '有（跨源隔离）',
    threadsOff: '无（未跨源隔离）',
    liveClock: '实时时钟：',
    demoRun: '运行 {name}',
    demoNotRun: '尚未运行',
    demoRunning: '运行中…',
    demoReturned: '返回 {value}，用时 {time}',
    logStart: '▶ {name}({arg})',
    logReturned: '✔ {name}({arg}) 返回 {value}，用时 {time}',
    logFailed: '✘ {name}({arg}) 失败，用时 {time}：{error}',
    output: '输出',
    clear: '清空',

    examplesIntroHtml:
      '<code>examples/</code> 下的程序，每个对应 asyncio 指南中的一个主题：带 ' +
      '<code>main()</code> 的 C 程序，编译成了 WebAssembly。选择一个即可阅读它的源码。“运行”会在' +
      'worker 中启动它（每次都是新的模块实例），所以页面保持响应，它的输出显示在源码旁边。在浏览器中，' +
      '流经由开发服务器的中继实现，自己启动服务器的程序也经由中继监听（在服务器所在机器的回环地址上）。' +
      '页面作为静态文件托管时只有 <code>fetch()</code>：此时这类程序会以 <code>CORIO_ENOTSUP</code> 失败。',
    examplesLoading: '正在加载示例…',
    examplesReady: '共 {n} 个示例程序。',
    examplesUnavailable:
      '无法加载 dist/examples/index.json（{error}）。' + '请先构建（make -f emscripten.mk dist），然后刷新页面。',
    examplesList: '程序',
    exampleSource: '源码',
    exampleSourceLoading: '正在加载源码…',
    exampleSourceFailed: '无法加载源码（{error}）。',
    exampleOutput: '输出',
    exampleStop: '停止',
    exampleNotRun: '尚未运行',
    exampleRunning: '运行中…',
    exampleExited: '以状态 {status} 退出，用时 {time}',
    exampleAborted: '已中止，用时 {time}：{what}',
    exampleFailed: '失败，用时 {time}：{error}',
    exampleStopped: '已停止，用时 {time}',
  },
};

// The checker's error codes in Chinese; English uses the C message itself,
// which names the host and the system's own words.
export const ERROR_NAMES_ZH = {
  CORIO_ETIMEDOUT: '超时',
  CORIO_ECANCELLED: '已取消',
  CORIO_EDNS: '找不到主机名',
  CORIO_ECONNREFUSED: '连接被拒绝',
  CORIO_ECONNRESET: '连接被对方重置',
  CORIO_ETLS: 'TLS 错误',
  CORIO_EPROTO: '响应格式错误',
  CORIO_ECORS: '可以访问，状态被浏览器隐藏',
  CORIO_ENETWORK: '网络错误（浏览器没有说明原因）',
  CORIO_EIO: '输入/输出错误',
  CORIO_EINVAL: '无效的参数',
  CORIO_ENOTSUP: '此平台不支持',
  CORIO_ELIMIT: '超过长度限制',
  CORIO_EINCOMPLETE: '数据未完整到达就结束了',
};
