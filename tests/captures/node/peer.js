#!/usr/bin/env node
// WebSocket peer (npm `ws`) used by tests/captures/record.py to produce
// loopback captures.  Compression is always off (perMessageDeflate: false).
//
//   node peer.js server PORT          echo server for exactly one connection
//   node peer.js client PORT PLANDIR  runs the client script from PLANDIR/plan.json
//
// Both roles print "READY ..." / "DONE" lines on stdout and exit non-zero on any
// error or timeout.  The traffic script is documented in record.py.
'use strict';

const fs = require('fs');
const path = require('path');
const WebSocket = require('ws');
const { WebSocketServer } = WebSocket;

const GLOBAL_TIMEOUT_MS = 60000;
const STEP_TIMEOUT_MS = 15000;
const SERVER_PING_TRIGGER = 'cmd:server-ping';
const SERVER_PING_PAYLOAD = Buffer.from('srv-ping-1');

function die(msg) {
  process.stderr.write(`peer.js: ${msg}\n`);
  process.exit(1);
}

setTimeout(() => die('global timeout'), GLOBAL_TIMEOUT_MS).unref();

function withTimeout(promise, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout waiting for ${what}`)), STEP_TIMEOUT_MS);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------- server
function runServer(port) {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port,
    perMessageDeflate: false,
    maxPayload: 16 * 1024 * 1024,
  });
  wss.on('error', (e) => die(`server error: ${e.message}`));
  wss.on('listening', () => process.stdout.write(`READY ${port}\n`));
  wss.on('connection', (ws, req) => {
    if (req.headers['sec-websocket-extensions']) {
      // Client offered an extension; we have perMessageDeflate off, so none is
      // accepted.  Just note it.
      process.stderr.write(`peer.js: client offered ${req.headers['sec-websocket-extensions']}\n`);
    }
    const sock = ws._socket;
    let corked = false;
    // Batch the echoes produced while handling one chunk of incoming data
    // into a single write, so that a burst of small client frames is echoed
    // as a burst of coalesced frames.
    function corkForThisTick() {
      if (!corked) {
        corked = true;
        sock.cork();
        setImmediate(() => { corked = false; sock.uncork(); });
      }
    }
    let chain = Promise.resolve();
    ws.on('message', (data, isBinary) => {
      // Keep echo order strictly equal to receive order.
      chain = chain.then(async () => {
        if (!isBinary && data.toString('utf8') === SERVER_PING_TRIGGER) {
          const gotPong = new Promise((resolve) => {
            ws.once('pong', (p) => resolve(p));
          });
          ws.ping(SERVER_PING_PAYLOAD);
          const p = await withTimeout(gotPong, 'pong to server ping');
          if (!p.equals(SERVER_PING_PAYLOAD)) die('server ping: wrong pong payload');
        }
        corkForThisTick();
        ws.send(data, { binary: isBinary });
      }).catch((e) => die(`server: ${e.message}`));
    });
    ws.on('error', (e) => die(`server ws error: ${e.message}`));
    ws.on('close', (code, reason) => {
      process.stdout.write(`DONE close ${code} ${reason.toString()}\n`);
      wss.close(() => process.exit(0));
    });
  });
}

// ---------------------------------------------------------------- client
function loadPlan(dir) {
  const plan = JSON.parse(fs.readFileSync(path.join(dir, 'plan.json'), 'utf8'));
  for (const step of plan.steps) {
    if (step.file !== undefined) step.data = fs.readFileSync(path.join(dir, step.file));
    if (step.hex !== undefined) step.data = Buffer.from(step.hex, 'hex');
    if (step.messages !== undefined) {
      step.messages = step.messages.map((m) => ({ opcode: m.opcode, data: Buffer.from(m.hex, 'hex') }));
    }
  }
  return plan;
}

async function runClient(port, planDir) {
  const plan = loadPlan(planDir);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
  const inbox = [];
  let waiter = null;
  ws.on('message', (data, isBinary) => {
    inbox.push({ opcode: isBinary ? 2 : 1, data: Buffer.isBuffer(data) ? data : Buffer.concat(data) });
    if (waiter) { const w = waiter; waiter = null; w(); }
  });
  ws.on('error', (e) => die(`client ws error: ${e.message}`));
  function nextMessage() {
    if (inbox.length) return Promise.resolve(inbox.shift());
    return withTimeout(new Promise((resolve) => { waiter = () => resolve(inbox.shift()); }), 'echo');
  }
  async function expectEcho(opcode, data) {
    const m = await nextMessage();
    if (m.opcode !== opcode || !m.data.equals(data)) {
      die(`bad echo: want opcode ${opcode} len ${data.length}, got opcode ${m.opcode} len ${m.data.length}`);
    }
  }

  await withTimeout(new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); }), 'open');
  if (ws.extensions) die(`extensions negotiated: ${ws.extensions}`);
  process.stdout.write('READY open\n');

  for (const step of plan.steps) {
    switch (step.kind) {
      case 'message':
        ws.send(step.data, { binary: step.opcode === 2 });
        await expectEcho(step.opcode, step.data);
        break;
      case 'ping': {
        const gotPong = new Promise((resolve) => ws.once('pong', resolve));
        ws.ping(step.data);
        const p = await withTimeout(gotPong, 'pong');
        if (!p.equals(step.data)) die('wrong pong payload');
        break;
      }
      case 'pong':
        ws.pong(step.data);
        break;
      case 'burst': {
        ws._socket.cork();
        for (const m of step.messages) ws.send(m.data, { binary: m.opcode === 2 });
        ws._socket.uncork();
        for (const m of step.messages) await expectEcho(m.opcode, m.data);
        break;
      }
      case 'close': {
        const closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve([code, reason])));
        ws.close(step.code, step.reason);
        const [code, reason] = await withTimeout(closed, 'close');
        if (code !== step.code || reason.toString() !== step.reason) {
          die(`server closed with ${code} ${reason.toString()}`);
        }
        process.stdout.write(`DONE close ${code} ${reason.toString()}\n`);
        break;
      }
      default:
        die(`unknown step ${step.kind}`);
    }
  }
  process.exit(0);
}

const [role, portStr, planDir] = process.argv.slice(2);
const port = Number(portStr);
if (role === 'server' && port) runServer(port);
else if (role === 'client' && port && planDir) runClient(port, planDir).catch((e) => die(`client: ${e.message}`));
else die('usage: peer.js server PORT | client PORT PLANDIR');
