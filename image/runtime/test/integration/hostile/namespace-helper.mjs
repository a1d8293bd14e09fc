// Runs inside the service container's network namespace (`docker exec`), which has only
// loopback (`--network none`). It serves the test pages on 127.0.0.1:8081 (the allowed
// origin), a canary on 127.0.0.2:8082 (an address the service must never reach), and
// bridges two Unix sockets in the shared /bridge directory to the test process: one to
// the service on 127.0.0.1:3000, one for canary and page hit counts. Nothing here touches
// the host's network.
import { createServer } from 'node:http';
import net from 'node:net';
import { rmSync } from 'node:fs';

const hits = {};
const count = (key) => (hits[key] = (hits[key] ?? 0) + 1);
const html = (res, body) => res.writeHead(200, { 'content-type': 'text/html' }).end(body);
const HUGE = 95_000_000;

const pages = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  count(`page${url.pathname}`);
  switch (url.pathname) {
    case '/page.html':
      return html(res, '<!doctype html><title>browse test</title><h1 id="static">static text</h1>');
    case '/huge-log':
      return html(res, `<title>log</title><script>console.log("\\x01".repeat(${HUGE}))</script>`);
    case '/huge-throw':
      return html(res, `<title>throw</title><script>throw new Error("\\x01".repeat(${HUGE}))</script>`);
    case '/popup':
      // After load, so that the popup takes the foreground while the job waits for network idle.
      return html(res, '<title>popup</title><p id="opener">opener</p><script>onload = () => setTimeout(() => window.open("http://127.0.0.2:8082/from-popup"), 50)</script>');
    case '/alert':
      return html(res, '<title>alert</title><script>alert("hello"); confirm("sure?"); prompt("name?")</script><p id="after">after the dialogs</p>');
    case '/tall':
      return html(res, `<body style="margin:0"><div style="height:${Number(url.searchParams.get('px') ?? 1000)}px;background:#c90">tall</div></body>`);
    case '/hog':
      return html(res, '<title>hog</title><script>const keep = []; for (;;) keep.push(new Array(1e6).fill(Math.random()))</script>');
    case '/file-input':
      return html(res, '<title>file</title><input type="file" id="f">');
    default:
      res.writeHead(404).end();
  }
});
const canary = createServer((req, res) => {
  count(`canary${new URL(req.url, 'http://x').pathname}`);
  count('canary');
  res.writeHead(200, { 'content-type': 'text/plain' }).end('canary');
});
// CONNECT through the canary port (a tunnel attempt) counts as a hit too.
canary.on('connect', (_req, socket) => {
  count('canary');
  socket.destroy();
});

function listenUnix(server, path) {
  rmSync(path, { force: true });
  server.listen(path);
}

const bridge = net.createServer((client) => {
  const upstream = net.connect(3000, '127.0.0.1');
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
const control = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(hits));
});

pages.listen(8081, '127.0.0.1');
canary.listen(8082, '127.0.0.2');
listenUnix(bridge, '/bridge/service.sock');
listenUnix(control, '/bridge/control.sock');
