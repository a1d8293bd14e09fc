import { describe, expect, it } from 'vitest';
import { checkCdpCommand } from '../../../src/server/cdp-allowlist.js';

const check = (method: string, params: Record<string, unknown> = {}, sessionId?: string) => checkCdpCommand(JSON.stringify({ id: 7, method, params, ...(sessionId ? { sessionId } : {}) }));

describe('checkCdpCommand (allowlist, fails closed)', () => {
  it('relays what puppeteer needs to drive a page', () => {
    for (const method of ['Target.setDiscoverTargets', 'Target.getBrowserContexts', 'Runtime.evaluate', 'Page.captureScreenshot', 'Emulation.setDeviceMetricsOverride', 'Network.setExtraHTTPHeaders', 'Fetch.enable', 'Browser.getVersion']) {
      expect(check(method), method).toEqual({ action: 'relay' });
    }
    expect(check('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true })).toEqual({ action: 'relay' });
    expect(check('Target.createTarget', { url: 'about:blank' })).toEqual({ action: 'relay' });
    expect(check('Page.navigate', { url: 'https://a.example/' }, 'S')).toEqual({ action: 'relay' });
    expect(check('Page.navigate', { url: 'data:text/html,hi' }, 'S')).toEqual({ action: 'relay' });
    expect(check('Target.createBrowserContext', { disposeOnDetach: true })).toEqual({ action: 'relay' });
  });

  it('answers refused commands with a CDP error under the same id and session', () => {
    const verdict = check('DOM.setFileInputFiles', { files: ['/etc/passwd'] }, 'S1');
    expect(verdict.action).toBe('reply');
    const reply = JSON.parse(verdict.action === 'reply' ? verdict.reply : '{}') as Record<string, unknown>;
    expect(reply).toEqual({ id: 7, sessionId: 'S1', error: { code: -32000, message: 'DOM.setFileInputFiles: not allowed by this service' } });
  });

  it.each([
    ['Target.exposeDevToolsProtocol', { targetId: 'T' }],
    ['Target.sendMessageToTarget', { message: '{}' }],
    ['Target.attachToTarget', { targetId: 'T' }],
    ['Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false }],
    ['Target.createBrowserContext', { proxyServer: 'direct://' }],
    ['Target.createBrowserContext', { proxyBypassList: '<-loopback>' }],
    ['Target.createTarget', { url: 'file:///etc/passwd' }],
    ['Target.createTarget', {}],
    ['Page.navigate', { url: 'FILE:///etc/passwd' }],
    ['Page.navigate', { url: 'chrome://settings' }],
    ['Page.navigate', { url: 'about:blank#x' }],
    ['Page.setDownloadBehavior', { behavior: 'allow' }],
    ['Browser.setDownloadBehavior', { behavior: 'allow' }],
    ['Browser.executeBrowserCommand', { commandId: 'openTabSearch' }],
    ['Page.handleFileChooser', { action: 'accept', files: ['/etc/passwd'] }],
    ['Input.dispatchDragEvent', { type: 'drop', data: { files: ['/etc/passwd'] } }],
    ['Fetch.continueRequest', { requestId: 'R', url: 'file:///etc/passwd' }],
    ['Network.loadNetworkResource', { url: 'file:///etc/passwd' }],
    ['Tethering.bind', { port: 9222 }],
    ['Extensions.loadUnpacked', { path: '/tmp' }],
    ['SystemInfo.getProcessInfo', {}],
    ['Runtime.evaluate.extra', {}],
    ['Nope', {}],
  ])('refuses %s %j', (method, params) => {
    expect(check(method, params).action).toBe('reply');
  });

  it('drops a connection that does not speak CDP', () => {
    expect(checkCdpCommand('not json').action).toBe('close');
    expect(checkCdpCommand('[1,2]').action).toBe('close');
    expect(checkCdpCommand('{"method":"Runtime.evaluate"}').action).toBe('close');
    expect(checkCdpCommand('{"id":"1","method":"Runtime.evaluate"}').action).toBe('close');
    expect(checkCdpCommand('{"id":1,"method":"Runtime.evaluate","sessionId":5}').action).toBe('close');
  });
});
