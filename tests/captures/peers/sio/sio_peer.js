// SPDX-License-Identifier: GPL-2.0-or-later
// socket.io 4 client or echo server for tests/captures/record.py (the plan and
// log formats of tests/captures/peers/peerlib.py; configuration {"deflate": bool}).
//
//   node sio_peer.js server|client PORT PLANDIR LOG
//
// Transport websocket only (no long-polling first).  The plan's messages go out
// as socket.io events "m" (a text message is emitted as a string, a binary one as
// a Buffer: socket.io sends a text frame with a placeholder, then the binary
// frame); the server emits every event back.  The frames themselves are logged
// by wrapping send()/close() of the `ws` module the engine.io side uses, so the
// log holds what actually went to the WebSocket layer (engine.io open/connect
// packets included).  A "close" step is socket.disconnect() (close code and
// reason are engine.io's, not the plan's).
//
// Before the plan, the client also exercises the rest of the Socket.IO grammar
// (same for every plan; tests/dissection/test_socketio.py reads it back): namespace
// "/chat" (CONNECT with a sid, an EVENT "hello" with an ack id and its ACK, a
// BINARY_EVENT "files" with two attachments answered by a BINARY_ACK with one, an
// event whose name needs JSON escapes, DISCONNECT), and namespace "/private", which
// the server refuses (CONNECT_ERROR). The server pings every 250 ms (Engine.IO
// ping / pong).
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const [role, portS, planDir, logPath] = process.argv.slice(2);
const port = Number(portS);
const plan = JSON.parse(fs.readFileSync(path.join(planDir, "plan.json"), "utf8"));
const bytes = (o) => (o.file !== undefined ? fs.readFileSync(path.join(planDir, o.file)) : Buffer.from(o.hex, "hex"));
const logFd = fs.openSync(logPath, "w");

function fail(msg) {
  process.stderr.write(`sio_peer: ${msg}\n`);
  process.exit(1);
}

function wsModuleDir() {
  if (role === "client") {
    const own = path.join(__dirname, "node_modules", "engine.io-client", "node_modules", "ws");
    if (fs.existsSync(own)) return own;
  } else {
    const own = path.join(__dirname, "node_modules", "engine.io", "node_modules", "ws");
    if (fs.existsSync(own)) return own;
  }
  return path.join(__dirname, "node_modules", "ws");
}

function logSent(opcode, buf) {
  const b = Buffer.from(buf);
  const sha256 = crypto.createHash("sha256").update(b).digest("hex");
  fs.writeSync(logFd, JSON.stringify({ ev: "send", opcode, len: b.length, sha256 }) + "\n");
}

const WebSocket = require(wsModuleDir());
const origSend = WebSocket.prototype.send;
WebSocket.prototype.send = function (data, options, cb) {
  if (this.readyState === WebSocket.OPEN) {
    const opts = typeof options === "object" && options ? options : {};
    const binary = opts.binary !== undefined ? opts.binary : typeof data !== "string";
    logSent(binary ? 2 : 1, typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data));
  }
  return origSend.call(this, data, options, cb);
};
const origClose = WebSocket.prototype.close;
WebSocket.prototype.close = function (code, reason) {
  if (this.readyState === WebSocket.OPEN) {
    let p = Buffer.alloc(0);
    if (code !== undefined) {
      p = Buffer.alloc(2);
      p.writeUInt16BE(code);
      if (reason) p = Buffer.concat([p, Buffer.from(reason)]);
    }
    logSent(8, p);
  }
  return origClose.call(this, code, reason);
};

const ESCAPED_EVENT = 'caf\u00e9 "q"\t\\';
const cfg = plan.config[role];
const deflate = cfg && cfg.deflate ? { threshold: 0 } : false;
setTimeout(() => fail("timeout"), 120000).unref();

if (role === "server") {
  const { Server } = require("socket.io");
  const io = new Server(port, { transports: ["websocket"], perMessageDeflate: deflate, maxHttpBufferSize: 64e6,
                                 pingInterval: 250, pingTimeout: 60000 });
  io.on("connection", (socket) => {
    socket.on("m", (d) => socket.emit("m", d));
    socket.on("disconnect", () => setTimeout(() => { io.close(); fs.closeSync(logFd); process.exit(0); }, 300));
  });
  const chat = io.of("/chat");
  chat.on("connection", (socket) => {
    socket.on("hello", (a, b, ack) => ack("hi", { n: 1, got: [a, b] }));
    socket.on("files", (a, o, ack) => ack(Buffer.from("ok:" + (a.length + o.x.length))));
    socket.on(ESCAPED_EVENT, (x) => socket.emit("done", x));
  });
  io.of("/private").use((socket, next) => next(new Error("not authorized")));
  io.httpServer.on("listening", () => console.log("READY"));
} else {
  const { io } = require("socket.io-client");
  const socket = io(`ws://127.0.0.1:${port}`, { transports: ["websocket"], perMessageDeflate: deflate,
                                               reconnection: false, timeout: 10000 });
  const queue = [];
  socket.on("m", (d) => {
    const w = queue.shift();
    if (!w) fail("unexpected echo");
    const got = typeof d === "string" ? Buffer.from(d, "utf8") : Buffer.from(d);
    if ((typeof d === "string") !== (w.opcode === 1) || !got.equals(w.data)) fail("echo differs");
    w.resolve();
  });
  const emit = (m) => new Promise((resolve) => {
    const data = bytes(m);
    queue.push({ opcode: m.opcode, data, resolve });
    socket.emit("m", m.opcode === 1 ? data.toString("utf8") : data);
  });
  socket.on("connect_error", (e) => fail(`connect: ${e.message}`));
  const once = (s, ev) => new Promise((resolve) => s.once(ev, resolve));
  const nsp = (name, extra) => io(`ws://127.0.0.1:${port}${name}`, { transports: ["websocket"], reconnection: false,
                                                                     timeout: 10000, ...extra });
  // The rest of the grammar, over the same Engine.IO connection (one Manager).
  const grammar = async () => {
    const chat = nsp("/chat");
    await once(chat, "connect");
    const hi = await chat.timeout(10000).emitWithAck("hello", "world", 42);
    if (hi !== "hi") fail("no ack");
    const ok = await chat.timeout(10000).emitWithAck("files", Buffer.from([1, 2, 3]), { x: Buffer.from("four") });
    if (Buffer.from(ok).toString() !== "ok:7") fail("binary ack differs");
    chat.emit(ESCAPED_EVENT, 7);
    await once(chat, "done");
    const priv = nsp("/private", { auth: { token: "t" } });
    const err = await once(priv, "connect_error");
    if (err.message !== "not authorized") fail(`private: ${err.message}`);
    chat.disconnect();
    await once(socket.io, "ping"); // an Engine.IO ping from the server (its pong follows)
  };
  socket.on("connect", async () => {
    await grammar();
    for (const s of plan.steps) {
      if (s.kind === "message") await emit(s);
      else if (s.kind === "burst") await Promise.all(s.messages.map(emit));
      else if (s.kind === "close") {
        socket.disconnect();
        setTimeout(() => { fs.closeSync(logFd); process.exit(0); }, 500);
      } else fail(`socket.io peer does not do step ${s.kind}`);
    }
  });
}
