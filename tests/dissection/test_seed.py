# SPDX-License-Identifier: GPL-2.0-or-later
"""The seed capture: the two frames of the field note the project grew from.

Expected values are the ones the field note and the foundation issue state: the
client frame is a masked text frame of 35 bytes with key 3e476939, the server's
reply an unmasked text frame of 30 bytes."""

SEED = "seed.pcapng"


def test_seed_field_contract(tshark):
    rows = tshark.fields(SEED, ["ws.opcode", "ws.mask", "ws.payload_length", "ws.masking_key", "ws.text"])
    assert rows == [
        ["1", "1", "35", "3e476939", '{"command":1000000,"machineId":"1"}'],
        ["1", "0", "30", "", '{"value":{},"command":1000000}'],
    ]


def test_seed_header_bits(tshark):
    rows = tshark.fields(SEED, ["ws.fin", "ws.rsv", "ws.rsv1", "ws.payload_length.len7", "ws.close.code"])
    # No RSV bit set: no per-bit items; a 7-bit length: no extended-length subtree.
    assert rows == [["1", "0", "", "", ""], ["1", "0", "", "", ""]]


def test_seed_payload_is_unmasked(tshark):
    rows = tshark.fields(SEED, ["ws.payload", "tcp.payload"])
    client_payload, client_wire = rows[0]
    assert bytes.fromhex(client_payload) == b'{"command":1000000,"machineId":"1"}'
    # The bytes on the wire are those of the field note's dump (header, key, masked text).
    assert client_wire.startswith("81a33e47693945650a56532a")
    assert bytes.fromhex(rows[1][0]) == b'{"value":{},"command":1000000}'
    # Only the masked frame has the masked-payload marker.
    assert tshark.fields(SEED, ["ws.mask"], extra=["-Y", "ws.masked_payload"]) == [["1"]]


def test_seed_columns(tshark):
    rows = tshark.fields(SEED, ["_ws.col.Protocol", "_ws.col.Info"])
    assert rows == [["WebSocket", "Text [FIN] [MASKED] len=35"], ["WebSocket", "Text [FIN] len=30"]]


def test_seed_tree_has_text_lines_and_unmasked_source(tshark):
    out = tshark.verbose(SEED)
    assert out.count("Line-based text data (1 lines)") == 2
    assert '    {"command":1000000,"machineId":"1"}' in out
    assert "Masking-Key: 3e476939" in out
    assert "Opcode: Text (1)" in out
    # The unmasked payload is a data source of its own (shown by -x as a second hex pane).
    hexdump = tshark.run(["-r", tshark.capture(SEED), "-x", "-Y", "ws.mask == 1"]).stdout.decode()
    assert "Unmasked payload (35 bytes):" in hexdump


def test_seed_display_filters(tshark):
    rows = tshark.fields(SEED, ["frame.number"], extra=["-Y", 'ws.text contains "machineId"'])
    assert rows == [["1"]]
    rows = tshark.fields(SEED, ["frame.number"], extra=["-Y", "ws.mask == 0 && ws.opcode == 1"])
    assert rows == [["2"]]


def test_heuristic_enabled_by_default_and_builtin_coexists(tshark):
    # Releases after 4.0 print more columns after the first three of -G heuristic-decodes and -G protocols.
    heur = [line.split("\t")[:3] for line in tshark.run(["-G", "heuristic-decodes"]).stdout.decode().splitlines()]
    assert ["tcp", "ws", "T"] in heur
    protos = [line.split("\t")[:3] for line in tshark.run(["-G", "protocols"]).stdout.decode().splitlines()]
    assert ["WebSocket", "WebSocket", "websocket"] in protos
    assert any(p[2] == "ws" for p in protos)
    # The built-in still decodes when asked to, and our plugin can be switched off.
    rows = tshark.fields(SEED, ["websocket.opcode", "ws.opcode"],
                         extra=["--disable-protocol", "ws", "-d", "tcp.port==9003,websocket"])
    assert rows == [["1", ""], ["1", ""]]


def test_heuristic_can_be_disabled(tshark):
    rows = tshark.fields(SEED, ["ws.opcode"], extra=["--disable-heuristic", "ws_tcp"])
    assert rows == [[""], [""]]


def test_decode_as(tshark):
    rows = tshark.fields(SEED, ["ws.opcode", "ws.payload_length"],
                         extra=["--disable-heuristic", "ws_tcp", "-d", "tcp.port==9003,ws"])
    assert rows == [["1", "35"], ["1", "30"]]


def test_heuristic_evidence_is_shown(tshark):
    rows = tshark.fields(SEED, ["frame.number", "ws.heur.evidence", "ws.heur.claim_frame"])
    # In full on the packet that decided, as a link on the other one.
    assert "text unmasks to UTF-8" in rows[0][1] and rows[0][2] == ""
    assert rows[1][1:] == ["", rows[0][0]]
