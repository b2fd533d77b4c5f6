#!/usr/bin/env node
// WebSocket peer (npm `ws`) of every recording tests/captures/record.py makes
// with a node client or server (compression off or permessage-deflate,
// fragmented or not: the plan says).
//
//   node peer.js server PORT PLANDIR LOG   echo server for one connection
//   node peer.js client PORT PLANDIR LOG   runs the client script
//
// PLANDIR/plan.json holds the steps and, under config.server / config.client,
// the `perMessageDeflate` option (false or an object).
// Every data message sent and received and every control frame sent is logged
// to LOG as one JSON line ({ev: "send"|"recv", opcode, len, sha256, frames},
// the log format of peers/peerlib.py); the first line is
// {ev: "open", ...} with the Sec-WebSocket-Extensions headers.  Both sides
// check every received data message against the plan and exit non-zero on
// any difference, error or timeout.  Prints "READY ..." / "DONE ..." on stdout.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const WebSocket = require('ws');
const { WebSocketServer } = WebSocket;

const GLOBAL_TIMEOUT_MS = 90000;
const STEP_TIMEOUT_MS = 20000;
const SERVER_PING_TRIGGER = 'cmd:server-ping';
const SERVER_PING_PAYLOAD = Buffer.from('srv-ping-1');
const MAX_PAYLOAD = 16 * 1024 * 1024;
const CORK_MS = 5;

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

let logFd = null;
function log(obj) {
  fs.writeSync(logFd, JSON.stringify(obj) + '\n');
}
function logMsg(ev, opcode, data, frames) {
  log({ ev, opcode, len: data.length, sha256: crypto.createHash('sha256').update(data).digest('hex'), frames });
}

function loadPlan(dir) {
  const plan = JSON.parse(fs.readFileSync(path.join(dir, 'plan.json'), 'utf8'));
  const bytes = (o) => (o.file !== undefined ? fs.readFileSync(path.join(dir, o.file)) : Buffer.from(o.hex, 'hex'));
  for (const step of plan.steps) {
    if (step.file !== undefined || step.hex !== undefined) step.data = bytes(step);
    if (step.ping_hex !== undefined) step.ping = Buffer.from(step.ping_hex, 'hex');
    if (step.messages !== undefined) step.messages = step.messages.map((m) => ({ ...m, data: bytes(m) }));
  }
  return plan;
}

// The data messages the client sends, in order (what the server must receive).
function expectedClientMessages(plan) {
  const out = [];
  for (const st of plan.steps) {
    if (st.kind === 'message') out.push(st);
    else if (st.kind === 'burst') out.push(...st.messages);
  }
  return out;
}

// Sends data as the fragments listed in frags (byte sizes, summing to the
// length; [] or undefined: one frame).  after(i) is awaited after fragment i.
async function sendMessage(ws, data, binary, frags, after) {
  const sizes = frags && frags.length ? frags : [data.length];
  let off = 0;
  const written = [];
  for (let i = 0; i < sizes.length; i++) {
    const piece = data.subarray(off, off + sizes[i]);
    off += sizes[i];
    const fin = i === sizes.length - 1;
    written.push(new Promise((resolve, reject) => {
      ws.send(piece, { binary, fin }, (err) => (err ? reject(err) : resolve()));
    }));
    if (after) await after(i);
  }
  if (off !== data.length) die(`fragment sizes ${sizes} do not add up to ${data.length}`);
  return Promise.all(written);
}

// Resolves once the sender has handed every queued frame to the socket
// (compression is asynchronous, so frames leave ws.send() later; the socket
// write callbacks would not do: they only fire once a corked socket is
// flushed).  Uses ws internals (pinned ws version in package.json).
function senderIdle(ws) {
  return new Promise((resolve) => {
    const check = () => {
      const s = ws._sender;
      if (s._state === 0 && s._queue.length === 0) resolve();
      else setImmediate(check);
    };
    check();
  });
}

function equalMsg(m, opcode, data) {
  return m.opcode === opcode && m.data.equals(data);
}

// ---------------------------------------------------------------- server
function runServer(port, plan) {
  const want = expectedClientMessages(plan);
  let next = 0;
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port,
    perMessageDeflate: plan.config.server,
    maxPayload: MAX_PAYLOAD,
  });
  wss.on('error', (e) => die(`server error: ${e.message}`));
  wss.on('listening', () => process.stdout.write(`READY ${port}\n`));
  wss.on('headers', (headers) => {
    const h = headers.find((l) => /^sec-websocket-extensions:/i.test(l));
    log({ ev: 'response-headers', extensions: h ? h.replace(/^[^:]*:\s*/, '') : null });
  });
  wss.on('connection', (ws, req) => {
    log({ ev: 'open', offered: req.headers['sec-websocket-extensions'] || null, extensions: ws.extensions || null });
    const sock = ws._socket;
    // Batch the echoes of messages that arrive together (a burst): the socket
    // stays corked for CORK_MS after the first one and until every echo
    // written meanwhile has been handed to the socket (compression is async).
    let corked = false;
    function cork() {
      if (!corked) {
        corked = true;
        sock.cork();
        setTimeout(() => senderIdle(ws).then(() => { corked = false; sock.uncork(); }), CORK_MS);
      }
    }
    let chain = Promise.resolve();
    ws.on('message', (data, isBinary) => {
      const opcode = isBinary ? 2 : 1;
      logMsg('recv', opcode, data);
      const exp = want[next++];
      if (!exp || !equalMsg({ opcode, data }, exp.opcode, exp.data)) {
        die(`server: message #${next - 1} (opcode ${opcode}, len ${data.length}) differs from the plan`);
      }
      chain = chain.then(async () => {
        if (!isBinary && data.toString('utf8') === SERVER_PING_TRIGGER) {
          const gotPong = new Promise((resolve) => ws.once('pong', resolve));
          logMsg('send', 9, SERVER_PING_PAYLOAD);
          ws.ping(SERVER_PING_PAYLOAD);
          const p = await withTimeout(gotPong, 'pong to server ping');
          if (!p.equals(SERVER_PING_PAYLOAD)) die('server ping: wrong pong payload');
        }
        cork();
        const frags = exp.echo_frags;
        logMsg('send', opcode, data, frags && frags.length ? frags.length : 1);
        sendMessage(ws, data, isBinary, frags).catch((e) => die(`server send: ${e.message}`));
      }).catch((e) => die(`server: ${e.message}`));
    });
    ws.on('error', (e) => die(`server ws error: ${e.message}`));
    ws.on('close', (code, reason) => {
      if (next !== want.length) die(`server: received ${next} data messages, plan has ${want.length}`);
      process.stdout.write(`DONE close ${code} ${reason.toString()}\n`);
      wss.close(() => process.exit(0));
    });
  });
}

// ---------------------------------------------------------------- client
async function runClient(port, plan) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, {
    perMessageDeflate: plan.config.client,
    maxPayload: MAX_PAYLOAD,
  });
  const inbox = [];
  let waiter = null;
  ws.on('message', (data, isBinary) => {
    const opcode = isBinary ? 2 : 1;
    logMsg('recv', opcode, data);
    inbox.push({ opcode, data });
    if (waiter) { const w = waiter; waiter = null; w(); }
  });
  ws.on('error', (e) => die(`client ws error: ${e.message}`));
  ws.on('upgrade', (res) => log({ ev: 'response-headers', extensions: res.headers['sec-websocket-extensions'] || null }));
  function nextMessage() {
    if (inbox.length) return Promise.resolve(inbox.shift());
    return withTimeout(new Promise((resolve) => { waiter = () => resolve(inbox.shift()); }), 'echo');
  }
  async function expectEcho(opcode, data) {
    const m = await nextMessage();
    if (!equalMsg(m, opcode, data)) {
      die(`bad echo: want opcode ${opcode} len ${data.length}, got opcode ${m.opcode} len ${m.data.length}`);
    }
  }
  async function ping(data) {
    const gotPong = new Promise((resolve) => ws.once('pong', resolve));
    logMsg('send', 9, data);
    ws.ping(data);
    const p = await withTimeout(gotPong, 'pong');
    if (!p.equals(data)) die('wrong pong payload');
  }

  await withTimeout(new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); }), 'open');
  log({ ev: 'open', extensions: ws.extensions || null });
  process.stdout.write(`READY open ${ws.extensions}\n`);

  for (const step of plan.steps) {
    switch (step.kind) {
      case 'message': {
        const frags = step.frags;
        // logged in the order the wire completes them: a mid-message ping first
        const logIt = () => logMsg('send', step.opcode, step.data, frags && frags.length ? frags.length : 1);
        if (step.ping_at === undefined) logIt();
        // A ping between two fragments: after fragment ping_at, wait for the
        // pong (the server's library answers at once, mid-message).
        const after = step.ping_at === undefined ? null
          : async (i) => { if (i === step.ping_at) await ping(step.ping); };
        if (step.cork) {
          // all fragments in as few TCP segments as possible
          ws._socket.cork();
          const sent = sendMessage(ws, step.data, step.opcode === 2, frags, after);
          await withTimeout(senderIdle(ws), 'send');
          ws._socket.uncork();
          await withTimeout(sent, 'send');
        } else {
          await withTimeout(sendMessage(ws, step.data, step.opcode === 2, frags, after), 'send');
        }
        if (step.ping_at !== undefined) logIt();
        await expectEcho(step.opcode, step.data);
        break;
      }
      case 'ping':
        await ping(step.data);
        break;
      case 'pong':
        logMsg('send', 10, step.data);
        ws.pong(step.data);
        break;
      case 'burst': {
        // Corked until the last frame is handed to the socket (with
        // compression the frames are written asynchronously).
        ws._socket.cork();
        for (const m of step.messages) {
          logMsg('send', m.opcode, m.data, m.frags && m.frags.length ? m.frags.length : 1);
          // no await: with `after` unset every fragment is handed to ws at once
          sendMessage(ws, m.data, m.opcode === 2, m.frags).catch((e) => die(`burst send: ${e.message}`));
        }
        await withTimeout(senderIdle(ws), 'burst send');
        ws._socket.uncork();
        for (const m of step.messages) await expectEcho(m.opcode, m.data);
        break;
      }
      case 'close': {
        const closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve([code, reason])));
        const cp = Buffer.alloc(2);
        cp.writeUInt16BE(step.code);
        logMsg('send', 8, Buffer.concat([cp, Buffer.from(step.reason, 'utf8')]));
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

const [role, portStr, planDir, logPath] = process.argv.slice(2);
const port = Number(portStr);
if (!port || !planDir || !logPath || (role !== 'server' && role !== 'client')) {
  die('usage: peer.js server|client PORT PLANDIR LOG');
}
logFd = fs.openSync(logPath, 'w');
const plan = loadPlan(planDir);
if (role === 'server') runServer(port, plan);
else runClient(port, plan).catch((e) => die(`client: ${e.message}`));
