# SPDX-License-Identifier: GPL-2.0-or-later
"""Runs the real tshark with a freshly built ws plugin, isolated from the machine.

tshark runs with a private HOME and a private plugin folder (WIRESHARK_PLUGIN_DIR)
that mirrors the system's plugins but holds our ws.so, so neither an installed copy
of the plugin nor the user's preferences can change what is tested. Wireshark loads
no plugins from WIRESHARK_PLUGIN_DIR when the real user is root, so as root tshark
runs as the unprivileged user `nobody` (setpriv); captures are copied to a folder
that user can read.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAPTURES = os.path.join(ROOT, "test-captures")

# The plugin's FT_BOOLEAN fields (docs/fields.md).
BOOLEAN_FIELDS = {"ws.fin", "ws.rsv1", "ws.rsv2", "ws.rsv3", "ws.mask"}
_BOOL_TEXT = {"True": "1", "False": "0"}


def _wireshark_abi():
    out = subprocess.run(["tshark", "--version"], capture_output=True, text=True, check=True).stdout
    ver = out.split("TShark (Wireshark) ")[1].split()[0]
    major, minor = ver.split(".")[:2]
    return "%s.%s" % (major, minor)


def _system_plugin_dir(abi):
    for cand in glob.glob("/usr/lib/*/wireshark/plugins/" + abi) + glob.glob("/usr/lib/wireshark/plugins/" + abi):
        return cand
    return None


class Tshark:
    def __init__(self, workdir, plugin_dir, home):
        self.workdir = workdir
        self.env = dict(os.environ)
        for k in list(self.env):
            if k.startswith("WIRESHARK_"):
                del self.env[k]
        self.env.update({"HOME": home, "WIRESHARK_PLUGIN_DIR": plugin_dir, "LC_ALL": "C.UTF-8"})
        if os.environ.get("WS_TSHARK_PRELOAD"):
            # A sanitizer build of the plugin needs its runtime loaded first (tests/fuzz/asan_captures.py).
            self.env["LD_PRELOAD"] = os.environ["WS_TSHARK_PRELOAD"]
            self.env["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=1"
            self.env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
        self.prefix = []
        self.global_args = []
        if os.geteuid() == 0:
            self.prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]

    def capture(self, name):
        """Path of a copy of test-captures/NAME that the tshark user can read."""
        dst = os.path.join(self.workdir, "captures", name)
        if not os.path.exists(dst):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(os.path.join(CAPTURES, name), dst)
            os.chmod(dst, 0o644)
        return dst

    def derived(self, name, make):
        """Path of a capture derived from test-captures/NAME by make(src, dst), made once per session."""
        dst = os.path.join(self.workdir, "captures", "derived-" + name)
        if not os.path.exists(dst):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            make(os.path.join(CAPTURES, name.split("@")[0]), dst)
            os.chmod(dst, 0o644)
        return dst

    def derived_abs(self, path):
        """Copy of any capture file in a folder the tshark user can read."""
        dst = os.path.join(self.workdir, "captures", "abs-" + path.strip("/").replace("/", "_"))
        if not os.path.exists(dst):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(path, dst)
            os.chmod(dst, 0o644)
        return dst

    # A small python parent runs tshark and reports what its only child used. A
    # child's peak RSS as the kernel reports it starts at its parent's peak (fork
    # copies it and exec keeps it), so a big parent such as pytest would hide it.
    _RUSAGE_WRAPPER = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:]); "
                       "r = resource.getrusage(resource.RUSAGE_CHILDREN); "
                       "sys.stderr.write('\\nrusage=%d %.6f\\n' % (r.ru_maxrss, r.ru_utime + r.ru_stime)); "
                       "sys.exit(p.returncode)")

    def run_rusage(self, args, timeout=600):
        """Runs tshark; returns (returncode, bytes written to stdout, stderr text, CPU seconds
        (user + system), peak RSS in KiB) of that tshark run alone. stdout is counted, not kept."""
        proc = subprocess.Popen([sys.executable, "-c", self._RUSAGE_WRAPPER] + self.prefix + ["tshark"] +
                                self.global_args + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=self.env, cwd=self.workdir)
        err = []
        reader = threading.Thread(target=lambda: err.append(proc.stderr.read()))
        reader.start()
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        out = 0
        try:
            for chunk in iter(lambda: proc.stdout.read(1 << 20), b""):
                out += len(chunk)
            proc.wait()
        finally:
            timer.cancel()
            reader.join()
        text = err[0].decode(errors="replace")
        if "\nrusage=" not in text:
            raise RuntimeError("tshark %s: no resource usage reported (killed?): %s" % (args, text[-2000:]))
        text, usage = text.rsplit("\nrusage=", 1)
        peak, cpu = usage.split()[:2]
        return proc.returncode, out, text, float(cpu), int(peak)

    def run_measured(self, args):
        """Runs tshark and returns (returncode, stderr, peak RSS in KiB of that run alone)."""
        rc, _, err, _, peak = self.run_rusage(args)
        return rc, err, peak

    def run(self, args, check=True):
        proc = subprocess.run(self.prefix + ["tshark"] + self.global_args + args, capture_output=True, env=self.env,
                              cwd=self.workdir, timeout=600)
        if check and proc.returncode != 0:
            raise AssertionError("tshark %s failed (%d): %s" % (args, proc.returncode, proc.stderr.decode()))
        return proc

    def fields(self, name, fields, extra=(), occurrence_sep="\x1f"):
        """Rows of -T fields output for capture NAME, each a list of strings (one per field)."""
        path = name if os.path.isabs(name) else self.capture(name)
        args = ["-r", path, "-T", "fields", "-E", "occurrence=a",
                "-E", "aggregator=" + occurrence_sep]
        for f in fields:
            args += ["-e", f]
        out = self.run(list(extra) + args).stdout.decode("utf-8", "surrogateescape")
        if out == "":
            return []
        if out.endswith("\n"):
            out = out[:-1]
        rows = [line.split("\t") for line in out.split("\n")]
        # tshark 4.0 prints boolean fields as 1/0, later releases as True/False: compare as 1/0.
        for i, f in enumerate(fields):
            if f in BOOLEAN_FIELDS:
                for row in rows:
                    if i < len(row):
                        row[i] = occurrence_sep.join(_BOOL_TEXT.get(v, v) for v in row[i].split(occurrence_sep))
        return rows

    def has_pref(self, name):
        """Whether this tshark knows preference NAME (from -G defaultprefs, read once)."""
        if not hasattr(self, "_prefs"):
            out = self.run(["-G", "defaultprefs"]).stdout.decode("utf-8", "replace")
            self._prefs = {l.lstrip("#").split(":", 1)[0] for l in out.splitlines() if ":" in l}
        return name in self._prefs

    def builtin_whole_args(self):
        """Options that make Wireshark's built-in WebSocket dissector decode whole payloads.
        It unmasks only the first 256 KiB of a masked payload (from 4.4 on the preference
        websocket.max_unmasked_len sets that); on 4.6 the text dissector then stops on
        the cut-short payload with an exception, before TCP adds its list of reassembled
        segments (tcp.segment) to the tree, so a reference built from that list would
        lose where the frame began."""
        if self.has_pref("websocket.max_unmasked_len"):
            return ["-o", "websocket.max_unmasked_len:4294967295"]
        return []

    def verbose(self, name, extra=()):
        return self.run(list(extra) + ["-r", self.capture(name), "-V"]).stdout.decode("utf-8", "surrogateescape")


def make_tshark(plugin, mirror_system=True):
    """Sets up a private HOME and plugin folder holding `plugin` (a built ws.so) and returns
    (Tshark, cleanup). Raises RuntimeError if tshark does not load the plugin from there.
    plugin=None: the same set-up without ws.so (a machine where it is not installed)."""
    if plugin is not None and not os.path.exists(plugin):
        raise RuntimeError("built plugin not found at %s (build first, or set WS_PLUGIN)" % plugin)
    abi = _wireshark_abi()
    work = tempfile.mkdtemp(prefix="ws-tshark-")
    os.chmod(work, 0o755)
    home = os.path.join(work, "home")
    os.makedirs(home)
    plugin_root = os.path.join(work, "plugins")
    # Mirror the system plugins (stats_tree, mate, ...) but never an installed ws.so.
    system = _system_plugin_dir(abi)
    for kind in ("epan", "wiretap", "codecs"):
        os.makedirs(os.path.join(plugin_root, abi, kind))
        if system and mirror_system:
            for so in glob.glob(os.path.join(system, kind, "*.so")):
                if os.path.basename(so) != "ws.so":
                    os.symlink(so, os.path.join(plugin_root, abi, kind, os.path.basename(so)))
    ours = os.path.join(plugin_root, abi, "epan", "ws.so")
    if plugin is not None:
        shutil.copyfile(plugin, ours)
    for dirpath, dirnames, filenames in os.walk(work):
        os.chmod(dirpath, 0o755)
        for f in filenames:
            p = os.path.join(dirpath, f)
            if not os.path.islink(p):
                os.chmod(p, 0o644)
    if os.geteuid() == 0:
        shutil.chown(home, "nobody")
    ts = Tshark(work, plugin_root, home)
    ts.abi = tuple(int(x) for x in abi.split("."))
    if plugin is None:
        return ts, lambda: shutil.rmtree(work, ignore_errors=True)
    if "LD_PRELOAD" in ts.env:
        # -G plugins runs the extcap programs, which hang under a preloaded sanitizer
        # runtime; the protocol list shows just as well whether ws.so loaded.
        listing = ts.run(["-G", "protocols"]).stdout.decode()
        loaded = [ours] if any(l.split("\t")[2:3] == ["ws"] for l in listing.splitlines()) else []
    else:
        listing = ts.run(["-G", "plugins"]).stdout.decode()
        loaded = [l for l in listing.splitlines() if l.startswith("ws.so")]
    if not loaded or ours not in loaded[0]:
        shutil.rmtree(work, ignore_errors=True)
        raise RuntimeError("ws.so did not load from %s; tshark -G plugins said:\n%s" % (ours, listing))
    return ts, lambda: shutil.rmtree(work, ignore_errors=True)
