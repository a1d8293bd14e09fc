/**
 * What a CDP client may ask its browser to do. An allowlist that fails closed: a method
 * not named here (a new domain, a renamed method, a typo) is refused, so the service
 * never relays something nobody looked at. Refused outright, because each reaches past the
 * page sandbox the service promises:
 * - files: `DOM.setFileInputFiles`, `Page.handleFileChooser`, downloads
 *   (`Browser/Page.setDownloadBehavior`), drag-and-drop of files, `Extensions.*`;
 * - other transports and endpoints: `Target.exposeDevToolsProtocol` (gives page script the
 *   protocol), `Target.sendMessageToTarget` (a nested message this filter would not see),
 *   non-flat attach, `Tethering.bind` (opens a port), `Target.setRemoteLocations`,
 *   `Browser.executeBrowserCommand`;
 * - the SSRF boundary: a per-context `proxyServer`, and URLs other than http(s), data: and
 *   about:blank wherever a method opens or rewrites one.
 */

type ParamCheck = (params: Readonly<Record<string, unknown>>) => string | null;

/** Domains every method of which only acts inside the session's own pages. */
const OPEN_DOMAINS = new Set([
  'Accessibility',
  'Animation',
  'Audits',
  'CSS',
  'CacheStorage',
  'Console',
  'DOMDebugger',
  'DOMSnapshot',
  'DOMStorage',
  'Debugger',
  'DeviceOrientation',
  'Emulation',
  'EventBreakpoints',
  'HeadlessExperimental',
  'HeapProfiler',
  'IndexedDB',
  'Inspector',
  'LayerTree',
  'Log',
  'Media',
  'Overlay',
  'Performance',
  'PerformanceTimeline',
  'Profiler',
  'Runtime',
  'Schema',
  'Security',
  'ServiceWorker',
  'Storage',
  'Tracing',
  'WebAudio',
  'WebAuthn',
]);

const OPENABLE_URL = /^(https?:|data:|about:blank$)/i;

const url =
  (name: string, required: boolean): ParamCheck =>
  (params) => {
    const value = params[name];
    if (value === undefined || value === '') return required ? `${name} is required` : null;
    return typeof value === 'string' && OPENABLE_URL.test(value) ? null : `only http(s), data: and about:blank URLs may be opened (${name})`;
  };

const allowed: ParamCheck = () => null;

/** Methods of the other domains, one by one, with what their parameters may say. */
const METHODS = new Map<string, ParamCheck>([
  ...['getVersion', 'close', 'getWindowForTarget', 'getWindowBounds', 'setWindowBounds', 'grantPermissions', 'resetPermissions', 'setPermission', 'getBrowserCommandLine', 'getHistograms', 'getHistogram', 'setDockTile', 'cancelDownload', 'crash', 'crashGpuProcess'].map(
    (method) => [`Browser.${method}`, method === 'getBrowserCommandLine' ? refuse : allowed] as const,
  ),
  ...['getTargets', 'getTargetInfo', 'setDiscoverTargets', 'activateTarget', 'closeTarget', 'detachFromTarget', 'getBrowserContexts', 'disposeBrowserContext', 'attachToBrowserTarget', 'autoAttachRelated'].map((method) => [`Target.${method}`, allowed] as const),
  ['Target.createTarget', url('url', true)],
  ['Target.attachToTarget', (params) => (params['flatten'] === true ? null : 'only flat sessions (flatten: true) are supported')],
  ['Target.setAutoAttach', (params) => (params['flatten'] === true || params['autoAttach'] === false ? null : 'only flat sessions (flatten: true) are supported')],
  [
    'Target.createBrowserContext',
    (params) => (params['proxyServer'] !== undefined || params['proxyBypassList'] !== undefined ? 'proxyServer is not allowed by this service' : null),
  ],
  ['Page.navigate', url('url', true)],
  ...[
    'enable', 'disable', 'reload', 'stopLoading', 'getFrameTree', 'getLayoutMetrics', 'getNavigationHistory', 'resetNavigationHistory', 'navigateToHistoryEntry',
    'captureScreenshot', 'captureSnapshot', 'printToPDF', 'addScriptToEvaluateOnNewDocument', 'removeScriptToEvaluateOnNewDocument', 'createIsolatedWorld',
    'setLifecycleEventsEnabled', 'setBypassCSP', 'setDocumentContent', 'bringToFront', 'close', 'setInterceptFileChooserDialog', 'handleJavaScriptDialog',
    'startScreencast', 'stopScreencast', 'screencastFrameAck', 'setWebLifecycleState', 'getResourceTree', 'getResourceContent', 'searchInResource',
    'getAppManifest', 'getInstallabilityErrors', 'getAdScriptAncestry', 'getPermissionsPolicyState', 'getOriginTrials', 'setAdBlockingEnabled', 'setFontFamilies',
    'setFontSizes', 'crash', 'waitForDebugger', 'addCompilationCache', 'clearCompilationCache', 'produceCompilationCache', 'setPrerenderingAllowed', 'setRPHRegistrationMode', 'setSPCTransactionMode',
  ].map((method) => [`Page.${method}`, allowed] as const),
  ...[
    'enable', 'disable', 'getDocument', 'getFlattenedDocument', 'querySelector', 'querySelectorAll', 'describeNode', 'resolveNode', 'requestNode', 'getBoxModel',
    'getContentQuads', 'scrollIntoViewIfNeeded', 'focus', 'getAttributes', 'setAttributeValue', 'setAttributesAsText', 'removeAttribute', 'getOuterHTML', 'setOuterHTML',
    'setNodeValue', 'removeNode', 'requestChildNodes', 'pushNodesByBackendIdsToFrontend', 'pushNodeByPathToFrontend', 'getNodeForLocation', 'getFrameOwner',
    'performSearch', 'getSearchResults', 'discardSearchResults', 'highlightNode', 'hideHighlight', 'markUndoableState', 'undo', 'redo', 'copyTo', 'moveTo',
    'setNodeName', 'setInspectedNode', 'collectClassNamesFromSubtree', 'getNodeStackTraces', 'getContainerForNode', 'getQueryingDescendantsForContainer',
    'getTopLayerElements', 'getElementByRelation', 'getAnchorElement', 'getDetachedDomNodes', 'forceShowPopover', 'getFileInfo',
  ].map((method) => [`DOM.${method}`, allowed] as const),
  ...['dispatchKeyEvent', 'dispatchMouseEvent', 'dispatchTouchEvent', 'insertText', 'imeSetComposition', 'setIgnoreInputEvents', 'setInterceptDrags', 'synthesizePinchGesture', 'synthesizeScrollGesture', 'synthesizeTapGesture', 'cancelDragging', 'emulateTouchFromMouseEvent'].map(
    (method) => [`Input.${method}`, allowed] as const,
  ),
  ['Input.dispatchDragEvent', (params) => (hasFiles(params['data']) ? 'dragging files is not allowed by this service' : null)],
  ...[
    'enable', 'disable', 'setCacheDisabled', 'setBypassServiceWorker', 'setExtraHTTPHeaders', 'setUserAgentOverride', 'emulateNetworkConditions', 'emulateNetworkConditionsByRule', 'overrideNetworkState',
    'getCookies', 'getAllCookies', 'setCookie', 'setCookies', 'deleteCookies', 'clearBrowserCookies', 'clearBrowserCache', 'getResponseBody', 'getRequestPostData',
    'setBlockedURLs', 'setAttachDebugStack', 'searchInResponseBody', 'takeResponseBodyForInterceptionAsStream', 'replayXHR', 'getSecurityIsolationStatus',
    'setAcceptedEncodings', 'clearAcceptedEncodingsOverride', 'enableReportingApi', 'setRequestInterception', 'getCertificate', 'streamResourceContent', 'setCookieControls',
  ].map((method) => [`Network.${method}`, allowed] as const),
  ['Network.continueInterceptedRequest', url('url', false)],
  ...['enable', 'disable', 'failRequest', 'fulfillRequest', 'continueWithAuth', 'getResponseBody', 'takeResponseBodyAsStream', 'continueResponse'].map((method) => [`Fetch.${method}`, allowed] as const),
  ['Fetch.continueRequest', url('url', false)],
  ...['read', 'close'].map((method) => [`IO.${method}`, allowed] as const),
]);

function refuse(): string {
  return 'not allowed by this service';
}

function hasFiles(data: unknown): boolean {
  if (typeof data !== 'object' || data === null) return false;
  const files = (data as Record<string, unknown>)['files'];
  return Array.isArray(files) && files.length > 0;
}

/** The parsed shape of a client command (only what the filter reads). */
interface Command {
  readonly id?: unknown;
  readonly method?: unknown;
  readonly params?: unknown;
  readonly sessionId?: unknown;
}

/** Outcome of checking one client message: relay it, answer it with an error, or drop the connection. */
export type CdpVerdict = { readonly action: 'relay' } | { readonly action: 'reply'; readonly reply: string } | { readonly action: 'close'; readonly reason: string };

/** Checks one client message against the allowlist. */
export function checkCdpCommand(text: string): CdpVerdict {
  let command: Command;
  try {
    command = JSON.parse(text) as Command;
  } catch {
    return { action: 'close', reason: 'not a JSON message' };
  }
  if (typeof command !== 'object' || command === null || !Number.isSafeInteger(command.id) || typeof command.method !== 'string') {
    return { action: 'close', reason: 'not a CDP command' };
  }
  if (command.sessionId !== undefined && typeof command.sessionId !== 'string') return { action: 'close', reason: 'not a CDP command' };
  const params = typeof command.params === 'object' && command.params !== null && !Array.isArray(command.params) ? (command.params as Record<string, unknown>) : {};
  const reason = refusal(command.method, params);
  if (reason === null) return { action: 'relay' };
  return {
    action: 'reply',
    reply: JSON.stringify({ id: command.id, ...(command.sessionId === undefined ? {} : { sessionId: command.sessionId }), error: { code: -32000, message: `${command.method}: ${reason}` } }),
  };
}

function refusal(method: string, params: Readonly<Record<string, unknown>>): string | null {
  const dot = method.indexOf('.');
  if (dot > 0 && OPEN_DOMAINS.has(method.slice(0, dot)) && method.indexOf('.', dot + 1) === -1) return null;
  const check = METHODS.get(method);
  return check ? check(params) : 'not allowed by this service';
}
