#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Differential test: random valid WebSocket conversations (gen.py) through tshark with
the ws plugin, messages compared byte for byte with what each side sent.

    tests/difftest/check.py [--seed S] [--conversations N] [--per-pcap 400]
                            [--plugin build/plugin/ws.so] [--keep DIR] [--passes 1,2]
                            [--repro DIR] [--workers 2] [--profile full|light]
    tests/difftest/check.py --pcap X.pcap --truth X.truth.json     (check one saved capture)

--keep DIR saves every pcap with its truth; --repro DIR saves one small pcap (and
truth, packets renumbered) per conversation with a wrong message, for debugging.
Conversation i of a run is client 10.A.B.1 / server 10.A.B.2 (i = A*256 + B - 256).

A presented message (what -T fields shows: a plain one-frame text/binary message,
a control frame, or ws.message.* on the frame that completes a fragmented or
compressed message; ws.message.decoded false gives nothing) is WRONG unless its
(opcode, bytes) is one of the messages that side sent, at or after the next expected
one (a subsequence, in order). Recovered: presented messages matched to messages
that were recoverable in the capture (gen.py, wsref). Extra: matched to messages
the truth calls unrecoverable (not an error; the truth is conservative).

Prints the totals, a per-category table, and every wrong message (and missed
recoverable ones, up to --max-missed) with conversation, tcp.stream, packets, reason.
Exit status 1 when a message is wrong.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import gen  # noqa: E402
from wsrecover import assign_messages  # noqa: E402

SEP = "\x1f"
FIELDS = ["frame.number", "tcp.stream", "ip.src", "tcp.srcport", "ws.opcode", "ws.fin", "ws.rsv", "ws.payload",
          "ws.payload_length", "ws.message.opcode", "ws.message.payload", "ws.message.length", "ws.message.decoded",
          "ws.continued.offset", "ws.payload_piece", "ws.continued.opcode", "ws.continued.payload"]


def conv_of(ip):
    a, b, c, h = (int(x) for x in ip.split("."))
    return b * 256 + c - 256, "c2s" if h == 1 else "s2c"


def _hex(p, n):
    # A zero-length bytes field prints as <MISSING> (or not at all); so does the payload of
    # a frame cut short before its first payload byte.
    return b"" if p in ("<MISSING>", "") else bytes.fromhex(p)


def presented(rows):
    """{(conv, dir): [(packet, opcode, bytes)]}, {conv: tcp.stream}, [problems]."""
    out = defaultdict(list)
    streams = {}
    problems = []
    for row in rows:
        row = row + [""] * (len(FIELDS) - len(row))
        (num, stream, src, sport, opcodes, fins, rsvs, pays, plens, mops, mpays, mlens, mdec, cont, pieces, cops,
         cpays) = row
        if not src or not stream:
            continue
        try:
            conv, d = conv_of(src)
        except ValueError:
            continue
        streams.setdefault(conv, stream)
        if not opcodes and not (cont and (mops or cpays)):
            continue
        num = int(num)
        try:
            ops = [int(o) for o in opcodes.split(SEP)] if opcodes else []
            fin = [f in ("1", "True") for f in fins.split(SEP)] if fins else []
            pay = pays.split(SEP) if pays else []
            plen = [int(x) for x in plens.split(SEP)] if plens else []
            rsv = [int(x, 0) for x in rsvs.split(SEP)] if rsvs else []
            # Bytes of frames that are not whole in this packet are ws.payload_piece: first
            # the piece that continues an earlier frame (ws.continued), last the start of
            # a frame that goes on in later packets. Neither is a message.
            npieces = len(pieces.split(SEP)) if pieces else 0
            if cont:
                npieces -= 1
            if npieces > 0 and ops:
                ops, fin, plen, rsv = ops[:-1], fin[:-1], plen[:-1], rsv[:-1]
            mop = [int(x) for x in mops.split(SEP)] if mops else []
            dec = [x in ("1", "True") for x in mdec.split(SEP)] if mdec else []
            mlen = [int(x) for x in mlens.split(SEP)] if mlens else []
            mpay = mpays.split(SEP) if mpays else []
            # An empty bytes field can be left out of the list altogether: put it back.
            if len(pay) != len(plen) and len(pay) == sum(1 for n in plen if n):
                it = iter(pay)
                pay = [next(it) if n else "" for n in plen]
            if len(mpay) != len(mlen) and len(mpay) == sum(1 for n in mlen if n):
                it = iter(mpay)
                mpay = [next(it) if n else "" for n in mlen]
            if not (len(ops) == len(fin) == len(pay) == len(plen) == len(rsv)):
                # A frame cut short after its first bytes can lack some fields: keep the
                # frames that have them all (the last one is the short one).
                n = min(len(ops), len(fin), len(pay), len(plen), len(rsv))
                problems.append("packet %d (conv %d %s): per-frame field counts differ (%d opcodes, %d fin, %d rsv, "
                                "%d lengths, %d payloads): last %d frame(s) not checked" % (
                                    num, conv, d, len(ops), len(fin), len(rsv), len(plen), len(pay), len(ops) - n))
                ops, fin, pay, plen, rsv = ops[:n], fin[:n], pay[:n], plen[:n], rsv[:n]
            if len(mop) != len(dec) or not (sum(dec) == len(mlen) == len(mpay)):
                raise ValueError("ws.message field counts do not line up")
            msgs = []
            for o, ok in zip(mop, dec):
                msgs.append((o, _hex(mpay.pop(0), mlen.pop(0)) if ok else None))
            frames = [(o, f, _hex(p, n), n, r) for o, f, p, n, r in zip(ops, fin, pay, plen, rsv)]
            shown, trouble = assign_messages(frames, msgs, cont)
            if cont and cpays:
                # A control frame gathered from several segments, completed by this
                # packet's first bytes: it comes before the frames that follow them.
                shown.insert(0, (int(cops), b"" if cpays == "<MISSING>" else bytes.fromhex(cpays), False))
            for o, body, short in shown:
                out[(conv, d)].append((num, o, body, "truncated" if short else ""))
            problems += ["packet %d (conv %d %s): %s" % (num, conv, d, t) for t in trouble]
        except ValueError as e:
            problems.append("packet %d (conv %d %s): %s: %r" % (num, conv, d, e, row[4:]))
    return out, streams, problems


def _loss_categories(dd):
    """What the capture did to a direction's segments."""
    return [name for key, name in (("lost", "lost-segment"), ("retx", "retransmitted"),
                                   ("retx_diff", "retx-different-bytes")) if dd[key]]


def categories(c, dd, m, d):
    port = c["sport"]
    cats = ["all", "dir:" + d, "port:" + (str(port) if port in gen.NAMED_PORTS else "high"),
            "cut:" + dd["cut_kind"], "http" if c["http"] else "no-http"]
    if m["opcode"] >= 8:
        cats.append("control")
    elif m.get("compressed"):
        cats.append("compressed+takeover" if dd["takeover"] else "compressed-no-takeover")
        if dd["wbits"] < 15:
            cats.append("compressed-small-window")
    else:
        cats.append("plain-data")
    if m.get("fragmented"):
        cats.append("fragmented")
    if m.get("split_header"):
        cats.append("split-header")
    cats += _loss_categories(dd)
    if m["len"] >= 65536:
        cats.append("big>=64K")
    cats.append("seg:" + dd["seg_mode"])
    return cats


def dir_categories(c, dd, d):
    port = c["sport"]
    cats = ["all", "dir:" + d, "port:" + (str(port) if port in gen.NAMED_PORTS else "high"),
            "cut:" + dd["cut_kind"], "http" if c["http"] else "no-http", "seg:" + dd["seg_mode"]]
    if c["deflate"]:
        cats.append("compressed+takeover" if dd["takeover"] else "compressed-no-takeover")
    return cats + _loss_categories(dd)


def describe_dir(dd):
    s = "cut=%d(%s) of %d bytes" % (dd["cut"], dd["cut_kind"], dd["total"])
    if dd["lost"]:
        s += " lost=%s(after pkt %s)" % (dd["lost"], dd.get("lost_pkt_after"))
    if dd["retx"]:
        s += " retx=%d" % dd["retx"]
    if dd["retx_diff"]:
        s += " retx_diff=%s" % dd["retx_diff"]
    s += " seg=%s takeover=%s wbits=%d" % (dd["seg_mode"], dd["takeover"], dd["wbits"])
    return s


def describe_msg(m):
    s = "#%d op=%d len=%d" % (m["n"], m["opcode"], m["len"])
    if m.get("compressed"):
        s += " compressed(clen=%d)" % m.get("clen", -1)
    if m.get("fragmented"):
        s += " fragmented(%d frames)" % len(m["frames"])
    pk = m.get("pkts") or []
    s += " pkts=%s rec=%s" % (pk if len(pk) <= 12 else "[%s ... %s] (%d packets)" % (
        ", ".join(map(str, pk[:6])), ", ".join(map(str, pk[-3:])), len(pk)), m["rec"])
    if m.get("why"):
        s += " (%s)" % m["why"]
    return s


def compare(truth, pres, streams, label=""):
    """Returns a result dict: totals, per-category counts, wrong / missed / extra lists."""
    cats = defaultdict(lambda: [0, 0, 0, 0, 0])  # recoverable, recovered, wrong, sent, extra
    wrong, missed, extra = [], [], []
    convs = {c["i"]: c for c in truth["conversations"]}
    for key in pres:
        if key[0] not in convs:
            for num, op, body, _ in pres[key]:
                wrong.append({"conv": key[0], "dir": key[1], "pkt": num, "stream": streams.get(key[0]),
                              "reason": "message in a conversation that the generator did not make"})
    for i, c in convs.items():
        for d, dd in c["dirs"].items():
            msgs = dd["messages"]
            index = defaultdict(list)
            for j, m in enumerate(msgs):
                index[(m["opcode"], m["sha256"])].append(j)
                if m.get("alt"):
                    index[(m["opcode"], m["alt"])].append(j)
            got = pres.get((i, d), [])
            pkt_sets = [set(m.get("pkts") or []) for m in msgs]
            matched = {}
            ptr = 0
            # Presented messages of one packet may come in any order among themselves.
            groups = []
            for num, op, body, note in got:
                if groups and groups[-1][0] == num:
                    groups[-1][1].append((op, body, note))
                else:
                    groups.append((num, [(op, body, note)]))
            for num, items in groups:
                items = [(op, body, hashlib.sha256(body).hexdigest(), note) for op, body, note in items]
                while items:
                    best = None
                    for k, (op, body, h, note) in enumerate(items):
                        if note == "truncated":
                            continue  # part of a frame's payload never matches a message
                        cand = [j for j in index.get((op, h), []) if j >= ptr and j not in matched]
                        # Alike messages (empty pings, say) are told apart by the packets
                        # that carry them: the one this packet carries, else the earliest.
                        cand = [j for j in cand if num in pkt_sets[j]][:1] or cand[:1]
                        if cand and (best is None or cand[0] < best[1]):
                            best = (k, cand[0])
                    if best is None:
                        for op, body, h, note in items:
                            wrong.append(explain(c, d, dd, num, op, body, h, index, ptr, streams.get(i), label, note))
                        break
                    k, j = best
                    matched[j] = num
                    ptr = j + 1
                    items.pop(k)
            for j, m in enumerate(msgs):
                mc = categories(c, dd, m, d)
                for cat in mc:
                    cats[cat][3] += 1
                    if m["rec"]:
                        cats[cat][0] += 1
                        if j in matched:
                            cats[cat][1] += 1
                    elif j in matched:
                        cats[cat][4] += 1
                if m["rec"] and j not in matched:
                    prev = max([matched[x] for x in matched if x < j], default=None)
                    nxt = min([matched[x] for x in matched if x > j], default=None)
                    if prev is None and nxt is None:
                        ctx = "no message of this side was presented"
                    elif prev is None:
                        ctx = "no message of this side presented before it (next one in pkt %s)" % nxt
                    else:
                        ctx = "previous presented message of this side in pkt %s, next in pkt %s" % (prev, nxt)
                    missed.append({"conv": i, "dir": d, "stream": streams.get(i), "msg": describe_msg(m),
                                   "dirinfo": describe_dir(dd), "cats": mc, "context": ctx})
                if not m["rec"] and j in matched:
                    extra.append({"conv": i, "dir": d, "stream": streams.get(i), "msg": describe_msg(m)})
    for w in wrong:
        c = convs.get(w["conv"])
        if c:
            for cat in dir_categories(c, c["dirs"][w["dir"]], w["dir"]):
                cats[cat][2] += 1
    rec = cats["all"][0]
    return {"label": label, "wrong": wrong, "missed": missed, "extra": extra, "cats": dict(cats),
            "recoverable": rec, "recovered": cats["all"][1], "sent": cats["all"][3]}


TAG = re.compile(rb"#(\d+)/(c2s|s2c)/(\d+) ")


def explain(c, d, dd, num, op, body, h, index, ptr, stream, label, note=""):
    msgs = dd["messages"]
    same = index.get((op, h), [])
    kind = "garbage-data"
    if op not in (1, 2, 8, 9, 10):
        kind = "garbage-reserved-opcode"
    elif op >= 8:
        kind = "garbage-control"
    elif not body:
        kind = "empty-data"
    else:
        t = TAG.match(body)
        if t and int(t.group(1)) == c["i"] and t.group(2).decode() == d:
            # Data messages begin with their tag: which message this was meant to be.
            k = int(t.group(3))
            data = [m for m in msgs if m["opcode"] < 8]
            if k < len(data):
                m = data[k]
                kind = "msg-wrong-%s%s%s" % ("length" if m["len"] != len(body) else "bytes",
                                             "-compressed" if m.get("compressed") else "",
                                             "-fragmented" if m.get("fragmented") else "")
    if kind == "garbage-data":
        near = [j for j in range(ptr, min(ptr + 4, len(msgs))) if msgs[j]["opcode"] == op and
                msgs[j]["len"] == len(body)]
        if near:
            m = msgs[near[0]]
            kind = "msg-wrong-bytes%s%s" % ("-compressed" if m.get("compressed") else "",
                                            "-fragmented" if m.get("fragmented") else "")
    if note == "truncated":
        # ws.payload shorter than ws.payload_length: a frame shown with part of its payload.
        kind = "truncated-frame"
    if same and note != "truncated":
        kind = "repeated"
        reason = "repeats message #%s already passed (next expected #%d)" % (same, ptr)
    elif note == "truncated":
        reason = ("ws.payload (%d bytes) shorter than ws.payload_length: a frame shown with part of its payload"
                  % len(body))
        nxt = msgs[ptr] if ptr < len(msgs) else None
        if nxt:
            reason += "; next expected: %s" % describe_msg(nxt)
    else:
        other = [j for j, m in enumerate(msgs) if m["sha256"] == h]
        if other:
            reason = "bytes of message #%d but opcode %d (sent %d)" % (other[0], op, msgs[other[0]]["opcode"])
        else:
            same_len = [j for j, m in enumerate(msgs) if m["len"] == len(body) and m["opcode"] == op]
            reason = "not a message this side sent"
            if same_len:
                reason += "; same opcode and length as #%s" % same_len[:5]
            nxt = msgs[ptr] if ptr < len(msgs) else None
            if nxt:
                reason += "; next expected: %s" % describe_msg(nxt)
    return {"kind": kind, "conv": c["i"], "dir": d, "stream": stream, "pkt": num, "op": op, "len": len(body),
            "head": body[:24].hex(), "reason": reason, "dirinfo": describe_dir(dd), "label": label,
            "port": c["sport"], "http": c["http"]}


def wrong_class(w):
    op = w.get("op")
    if op is None:
        return "unparsed"
    kind = w.get("kind", "?")
    info = w.get("dirinfo", "")
    where = "no-cut" if "(none)" in info else "after-cut"
    if "lost=" in info:
        where += "+lost"
    if w.get("http"):
        where += "+http"
    return kind + "/" + where


def extract(pcap, convs, out):
    """Copies the packets of conversations `convs` (indexes) from pcap to out."""
    import struct
    want = set()
    for i in convs:
        for h in (1, 2):
            want.add(bytes(int(x) for x in gen.addr(i, h).split(".")))
    renum = {0: 0}
    old = new = 0
    with open(pcap, "rb") as f, open(out, "wb") as g:
        g.write(f.read(24))
        while True:
            h = f.read(16)
            if len(h) < 16:
                break
            old += 1
            n = struct.unpack("<IIII", h)[2]
            pkt = f.read(n)
            if pkt[26:30] in want:
                g.write(h + pkt)
                new += 1
                renum[old] = new
    os.chmod(out, 0o644)
    return renum


def report(res, out=sys.stdout, max_missed=100, max_wrong=None):
    p = lambda *a: print(*a, file=out)  # noqa: E731
    p("== %s: sent %d messages, recoverable %d, recovered %d (%.2f %%), wrong %d, extra %d" % (
        res["label"], res["sent"], res["recoverable"], res["recovered"],
        100.0 * res["recovered"] / max(1, res["recoverable"]), len(res["wrong"]), len(res["extra"])))
    p("(wrong: counted on the categories of the conversation side that shows them; the message categories "
      "control, plain-data, fragmented, split-header, big have none)")
    p("%-26s %8s %11s %10s %8s %6s %6s" % ("category", "sent", "recoverable", "recovered", "%", "wrong", "extra"))
    order = sorted(res["cats"], key=lambda k: (k != "all", k))
    for k in order:
        rec, got, wr, sent, ex = res["cats"][k]
        p("%-26s %8d %11d %10d %8.2f %6d %6d" % (k, sent, rec, got, 100.0 * got / max(1, rec), wr, ex))
    by = defaultdict(list)
    for w in res["wrong"]:
        by[(w.get("label"), w["conv"], w["dir"])].append(w)
    classes = defaultdict(int)
    for ws in by.values():
        classes[wrong_class(ws[0])] += 1
    if by:
        p("wrong messages by class of the first wrong one of each conversation side: %s" % dict(classes))
    sides = list(by.values())
    for ws in sides[:max_wrong]:
        w = ws[0]
        p("WRONG [%s] conv %d tcp.stream %s %s: %d wrong, first in pkt %s: op=%s len=%s head=%s: %s | port %s "
          "http=%s %s | class %s | all pkts %s" % (
              w.get("label"), w["conv"], w["stream"], w["dir"], len(ws), w["pkt"], w.get("op"), w.get("len"),
              w.get("head"), w["reason"], w.get("port"), w.get("http"), w.get("dirinfo"), wrong_class(w),
              sorted(set(x["pkt"] for x in ws if x["pkt"]))[:20]))
    for m in res["missed"][:max_missed]:
        p("MISSED [%s] conv %d tcp.stream %s %s %s | %s | %s" % (res["label"], m["conv"], m["stream"], m["dir"],
                                                                m["msg"], m["dirinfo"], m["context"]))
    if max_wrong is not None and len(sides) > max_wrong:
        p("... %d more conversation sides with wrong messages" % (len(sides) - max_wrong))
    for pr in res.get("problems", [])[:20]:
        p("NOTE [%s] %s" % (res["label"], pr))
    if len(res["missed"]) > max_missed:
        p("... %d more missed messages (--max-missed)" % (len(res["missed"]) - max_missed))


def run_pcap(ts, pcap, truth, two_pass, label=""):
    path = pcap if pcap.startswith(ts.workdir) else ts.derived_abs(pcap)
    extra = ["-2"] if two_pass else []
    rows = ts.fields(path, FIELDS, extra=extra, occurrence_sep=SEP)
    pres, streams, problems = presented(rows)
    res = compare(truth, pres, streams, label)
    res["problems"] = problems
    for pr in problems:
        if "ws.message field counts" in pr or "non-hexadecimal" in pr:
            res["wrong"].append({"conv": -1, "dir": "?", "stream": None, "pkt": None, "reason": "unparsed: " + pr,
                                 "label": label})
    return res


def save_repros(pcap, truth, res, repro, limit=40):
    """One small pcap (and truth) per conversation with a wrong message."""
    os.makedirs(repro, exist_ok=True)
    convs = {c["i"]: c for c in truth["conversations"]}
    done = 0
    for conv in sorted(set(w["conv"] for w in res["wrong"] if w["conv"] in convs)):
        out = os.path.join(repro, "%s-conv%d.pcap" % (os.path.basename(pcap)[:-5], conv))
        res.setdefault("repros", {})[conv] = out
        if os.path.exists(out):
            continue
        renum = extract(pcap, [conv], out)
        c = json.loads(json.dumps(convs[conv]))
        for dd in c["dirs"].values():
            dd["lost_pkt_after"] = [renum.get(x, x) for x in dd.get("lost_pkt_after", [])]
            for m in dd["messages"]:
                m["pkts"] = [renum[x] for x in m["pkts"]]
        with open(out[:-5] + ".truth.json", "w") as f:
            json.dump({"seed": truth["seed"], "conversations": [c]}, f, indent=1)
        done += 1
        if done >= limit:
            break


def merge(results, label):
    tot = {"label": label, "wrong": [], "missed": [], "extra": [], "problems": [], "cats": {}, "recoverable": 0,
           "recovered": 0, "sent": 0}
    for r in results:
        for k in ("wrong", "missed", "extra", "problems"):
            tot[k] += r[k]
        for k in ("recoverable", "recovered", "sent"):
            tot[k] += r[k]
        for k, v in r["cats"].items():
            cur = tot["cats"].setdefault(k, [0] * 5)
            for n in range(5):
                cur[n] += v[n]
    return tot


def _gen_job(job):
    pcap, seed, n, first, profile = job
    truth = gen.generate(pcap, seed, n, first_index=first, profile=profile)
    os.chmod(pcap, 0o644)
    return truth


def run(ts, seed, conversations, per_pcap, workdir=None, passes=(1, 2), keep=None, log=None, repro=None, workers=2,
        profile="full"):
    """Generates the pcaps (conversation indexes 0..N-1 over several pcaps, pcap k seeded
    seed*1000+k) and runs tshark over each, `workers` pcaps at a time (each pcap is deleted
    once checked); returns {passes: merged result}."""
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
    workdir = workdir or tempfile.mkdtemp(prefix="difftest-", dir=ts.workdir)
    os.chmod(workdir, 0o755)
    jobs = []
    done = 0
    while done < conversations:
        n = min(per_pcap, conversations - done)
        jobs.append((os.path.join(workdir, "difftest-%d-%d.pcap" % (seed, len(jobs))), seed * 1000 + len(jobs), n, done,
                     profile))
        done += n
    results = {p: [] for p in passes}
    gen_pool = ProcessPoolExecutor(workers) if workers > 1 and len(jobs) > 1 else None
    try:
        for start in range(0, len(jobs), max(1, workers)):
            batch = jobs[start:start + max(1, workers)]
            truths = list(gen_pool.map(_gen_job, batch)) if gen_pool else [_gen_job(j) for j in batch]
            if keep:
                os.makedirs(keep, exist_ok=True)
                for j, truth in zip(batch, truths):
                    shutil.copyfile(j[0], os.path.join(keep, os.path.basename(j[0])))
                    with open(os.path.join(keep, os.path.basename(j[0])[:-5] + ".truth.json"), "w") as f:
                        json.dump(truth, f, indent=0)

            def one(k, p):
                pcap = batch[k][0]
                r = run_pcap(ts, pcap, truths[k], p == 2, "%s %d-pass" % (os.path.basename(pcap), p))
                if log:
                    log("%s %d-pass: %d wrong" % (os.path.basename(pcap), p, len(r["wrong"])))
                return r

            with ThreadPoolExecutor(max(1, workers)) as ex:
                futs = {(k, p): ex.submit(one, k, p) for k in range(len(batch)) for p in passes}
                for p in passes:
                    for k in range(len(batch)):
                        r = futs[(k, p)].result()
                        if repro:
                            save_repros(batch[k][0], truths[k], r, repro)
                        results[p].append(r)
            for j in batch:
                os.unlink(j[0])
    finally:
        if gen_pool:
            gen_pool.shutdown()
    return {p: merge(results[p], "%d pass%s" % (p, "es" if p > 1 else "")) for p in passes}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--conversations", type=int, default=400)
    ap.add_argument("--per-pcap", type=int, default=400)
    ap.add_argument("--plugin", default=os.environ.get("WS_PLUGIN", os.path.join(
        os.path.dirname(os.path.dirname(HERE)), "build", "plugin", "ws.so")))
    ap.add_argument("--keep", help="save every pcap and truth here")
    ap.add_argument("--passes", default="1,2")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--profile", default="full", choices=["full", "light"], help="light: fewer big messages")
    ap.add_argument("--max-missed", type=int, default=100)
    ap.add_argument("--pcap", help="check this pcap (with --truth) instead of generating")
    ap.add_argument("--truth", help="truth JSON of --pcap")
    ap.add_argument("--repro", help="write a small pcap + truth per conversation with a wrong message here")
    a = ap.parse_args(argv)
    from tsharkenv import make_tshark
    ts, cleanup = make_tshark(a.plugin)
    try:
        if a.pcap:
            with open(a.truth) as f:
                truth = json.load(f)
            res = {p: run_pcap(ts, os.path.abspath(a.pcap), truth, p == 2, "%s %d-pass" % (os.path.basename(a.pcap), p))
                   for p in (int(x) for x in a.passes.split(","))}
        else:
            res = run(ts, a.seed, a.conversations, a.per_pcap, None, tuple(int(x) for x in a.passes.split(",")), a.keep,
                  log=lambda s: print(s, file=sys.stderr), repro=a.repro, workers=a.workers,
                      profile=a.profile)
    finally:
        cleanup()
    bad = 0
    for p, r in res.items():
        report(r, max_missed=a.max_missed)
        bad += len(r["wrong"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
