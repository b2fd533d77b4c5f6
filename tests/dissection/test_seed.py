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
    rows = tshark.fields(SEED, ["ws.fin", "ws.rsv", "ws.payload_length.len7", "ws.close.code"])
    assert rows == [["1", "0", "35", ""], ["1", "0", "30", ""]]


def test_seed_payload_is_unmasked(tshark):
    rows = tshark.fields(SEED, ["ws.payload", "ws.masked_payload"])
    client_payload, client_masked = rows[0]
    assert bytes.fromhex(client_payload) == b'{"command":1000000,"machineId":"1"}'
    # The masked bytes are those of the field note's dump, not the text.
    assert client_masked.startswith("45650a56532a")
    assert bytes.fromhex(rows[1][0]) == b'{"value":{},"command":1000000}'
    assert rows[1][1] == ""


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
    rows = tshark.fields(SEED, ["ws.heur.evidence"])
    assert all("text unmasks to UTF-8" in r[0] for r in rows)
