"""Writes the seed corpus of the `wkb_read` fuzz target: one small ISO WKB value of each kind,
both byte orders, Z and M, empties, and a few corrupt ones (a huge count, nesting, curves).

Run from fuzz/: python3 wkb_seeds.py
"""
import pathlib
import struct


def geom(code, body=b"", be=False):
    order = ">" if be else "<"
    return (b"\x00" if be else b"\x01") + struct.pack(order + "I", code) + body


def u32(n, be=False):
    return struct.pack(">I" if be else "<I", n)


def xy(*coords, be=False):
    return b"".join(struct.pack(">d" if be else "<d", c) for c in coords)


ring = u32(4) + xy(0, 0, 1, 0, 1, 1, 0, 0)
point = geom(1, xy(5.1, 52.09))
line = geom(2, u32(2) + xy(0, 0, 1.5, -2))
polygon = geom(3, u32(1) + ring)
nan = float("nan")
seeds = {
    "point": point,
    "point_be": geom(1, xy(5.1, 52.09, be=True), be=True),
    "point_empty": geom(1, xy(nan, nan)),
    "point_z": geom(1001, xy(1, 2, 3)),
    "point_m": geom(2001, xy(1, 2, 4)),
    "point_zm": geom(3001, xy(1, 2, 3, 4)),
    "linestring": line,
    "linestring_empty": geom(2, u32(0)),
    "polygon": polygon,
    "polygon_hole": geom(3, u32(2) + ring + ring),
    "multipoint": geom(4, u32(2) + point + geom(1, xy(nan, nan))),
    "multilinestring": geom(5, u32(2) + line + line),
    "multipolygon": geom(6, u32(2) + polygon + polygon),
    "collection": geom(7, u32(3) + point + line + geom(7, u32(1) + polygon)),
    "huge_count": geom(2, u32(1 << 31) + xy(1, 2)),
    "nested": geom(7, u32(1)) * 40 + point,
    "curve": geom(8, u32(3) + xy(0, 0, 1, 1, 2, 0)),
    "trailing": point + b"\x00\x00\x00\x00",
}
out = pathlib.Path(__file__).parent / "corpus" / "wkb_read"
out.mkdir(parents=True, exist_ok=True)
for name, value in seeds.items():
    (out / f"seed_{name}.wkb").write_bytes(value)
