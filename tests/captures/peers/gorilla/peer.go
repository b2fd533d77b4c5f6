// SPDX-License-Identifier: GPL-2.0-or-later
// gorilla/websocket (Debian golang-github-gorilla-websocket-dev) client or echo
// server for tests/captures/record.py (the plan and log formats of
// tests/captures/peers/peerlib.py; configuration {"deflate": bool}).
//
//	gorilla-peer server|client PORT PLANDIR LOG
//
// Buffers are small (1024 bytes written per frame by the client, 4096 by the
// server), so gorilla's NextWriter cuts every longer message into frames of its
// own. With permessage-deflate gorilla negotiates no context takeover.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
)

type msg struct {
	Opcode int    `json:"opcode"`
	Hex    string `json:"hex"`
	File   string `json:"file"`
	Frags  []int  `json:"frags"`
}

type step struct {
	Kind     string `json:"kind"`
	Opcode   int    `json:"opcode"`
	Hex      string `json:"hex"`
	File     string `json:"file"`
	Frags    []int  `json:"frags"`
	Messages []msg  `json:"messages"`
	Code     int    `json:"code"`
	Reason   string `json:"reason"`
}

type sideConfig struct {
	Deflate bool `json:"deflate"`
}

type plan struct {
	Config struct {
		Client *sideConfig `json:"client"`
		Server *sideConfig `json:"server"`
	} `json:"config"`
	Steps []step `json:"steps"`
}

var planDir string

func deflate(c *sideConfig) bool {
	return c != nil && c.Deflate
}

// payload: the bytes of a plan message ("hex" inline or "file" in the plan directory)
func payload(hexs, file string) []byte {
	if file != "" {
		b, err := os.ReadFile(filepath.Join(planDir, file))
		if err != nil {
			fail("payload: %v", err)
		}
		return b
	}
	return unhex(hexs)
}

var logf *os.File

func fail(f string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "gorilla-peer: "+f+"\n", a...)
	os.Exit(1)
}

func logSent(opcode int, data []byte) {
	sum := sha256.Sum256(data)
	b, _ := json.Marshal(map[string]interface{}{"ev": "send", "opcode": opcode, "len": len(data),
		"sha256": hex.EncodeToString(sum[:])})
	logf.Write(append(b, '\n'))
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		fail("bad hex: %v", err)
	}
	return b
}

func send(c *websocket.Conn, opcode int, data []byte) {
	w, err := c.NextWriter(opcode)
	if err != nil {
		fail("NextWriter: %v", err)
	}
	if _, err := w.Write(data); err != nil {
		fail("write: %v", err)
	}
	if err := w.Close(); err != nil {
		fail("close writer: %v", err)
	}
	logSent(opcode, data)
}

func closePayload(code int, reason string) []byte {
	return websocket.FormatCloseMessage(code, reason)
}

func server(port int, p plan) {
	// CheckOrigin: the browser page comes from another port (another origin)
	up := websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096, EnableCompression: deflate(p.Config.Server),
		CheckOrigin: func(r *http.Request) bool { return true }}
	done := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			fail("upgrade: %v", err)
		}
		c.SetReadLimit(64 << 20)
		c.SetCloseHandler(func(code int, text string) error {
			m := closePayload(code, text)
			if code == websocket.CloseNoStatusReceived {
				m = []byte{}
			}
			c.WriteControl(websocket.CloseMessage, m, time.Now().Add(5*time.Second))
			logSent(8, m)
			return nil
		})
		c.SetPingHandler(func(data string) error {
			err := c.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(5*time.Second))
			logSent(10, []byte(data))
			return err
		})
		for {
			mt, data, err := c.ReadMessage()
			if err != nil {
				break
			}
			send(c, mt, data)
		}
		c.Close()
		close(done)
	})
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		fail("listen: %v", err)
	}
	go http.Serve(ln, mux)
	fmt.Println("READY")
	select {
	case <-done:
	case <-time.After(120 * time.Second):
		fail("no conversation within 120 s")
	}
	time.Sleep(200 * time.Millisecond)
}

func client(port int, p plan) {
	d := websocket.Dialer{ReadBufferSize: 1024, WriteBufferSize: 1024, EnableCompression: deflate(p.Config.Client),
		HandshakeTimeout: 10 * time.Second}
	c, _, err := d.Dial(fmt.Sprintf("ws://127.0.0.1:%d/", port), nil)
	if err != nil {
		fail("dial: %v", err)
	}
	c.SetReadLimit(64 << 20)
	c.SetReadDeadline(time.Now().Add(60 * time.Second))
	expect := func(op int, want []byte) {
		mt, got, err := c.ReadMessage()
		if err != nil {
			fail("read: %v", err)
		}
		if mt != op || string(got) != string(want) {
			fail("echo differs: %d %d B, wanted %d %d B", mt, len(got), op, len(want))
		}
	}
	for _, s := range p.Steps {
		if len(s.Frags) > 0 {
			fail("the gorilla peer sends no fragments of its own choosing")
		}
		switch s.Kind {
		case "message":
			data := payload(s.Hex, s.File)
			send(c, s.Opcode, data)
			expect(s.Opcode, data)
		case "burst":
			for _, m := range s.Messages {
				send(c, m.Opcode, payload(m.Hex, m.File))
			}
			for _, m := range s.Messages {
				expect(m.Opcode, payload(m.Hex, m.File))
			}
		case "ping":
			if err := c.WriteControl(websocket.PingMessage, unhex(s.Hex), time.Now().Add(5*time.Second)); err != nil {
				fail("ping: %v", err)
			}
			logSent(9, unhex(s.Hex))
		case "close":
			m := closePayload(s.Code, s.Reason)
			if err := c.WriteControl(websocket.CloseMessage, m, time.Now().Add(5*time.Second)); err != nil {
				fail("close: %v", err)
			}
			logSent(8, m)
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					break
				}
			}
		default:
			fail("gorilla peer does not do step %s", s.Kind)
		}
	}
	c.Close()
}

func main() {
	if len(os.Args) != 5 {
		fail("usage: server|client PORT PLANDIR LOG")
	}
	port, _ := strconv.Atoi(os.Args[2])
	planDir = os.Args[3]
	raw, err := os.ReadFile(filepath.Join(planDir, "plan.json"))
	if err != nil {
		fail("plan: %v", err)
	}
	var p plan
	if err := json.Unmarshal(raw, &p); err != nil {
		fail("plan: %v", err)
	}
	logf, err = os.Create(os.Args[4])
	if err != nil {
		fail("log: %v", err)
	}
	defer logf.Close()
	if os.Args[1] == "server" {
		server(port, p)
	} else {
		client(port, p)
	}
}
