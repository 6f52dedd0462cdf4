#!/usr/bin/env bash
# Opens the timelines' SVG in a real browser (headless Chromium), takes a
# screenshot, and checks that the browser drew the bars and the kill mark in
# their colours. Not part of `cargo test` (it needs Chromium, a large install):
# run it after changing src/render/svg.rs.
#
#   tests/svg-in-browser.sh [lesson] [--lang zh]    (default: join-daemon)
#
# Installs chromium and a CJK font with apt-get when they are missing. Leaves
# the SVG and the PNG in target/svg-in-browser/ to look at.
set -euo pipefail
cd "$(dirname "$0")/.."

lesson=${1:-join-daemon}
shift || true
out=target/svg-in-browser
mkdir -p "$out"

if ! command -v chromium >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi

cargo build --release --quiet
./target/release/concur-tutor "$@" lesson "$lesson" --speed 20 --quick --json --svg "$out/$lesson.svg" >/dev/null

height=$(grep -o 'height="[0-9.]*"' "$out/$lesson.svg" | head -1 | grep -o '[0-9]*' | head -1)
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --window-size="960,$height" --screenshot="$out/$lesson.png" "file://$PWD/$out/$lesson.svg" \
    2>/dev/null >/dev/null

python3 - "$out/$lesson.png" <<'EOF'
"""Decodes the screenshot (PNG, 8-bit RGB or RGBA) and counts the pixels of each timeline colour."""
import struct, sys, zlib

data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat = 8, b""
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, colour = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
assert depth == 8 and colour in (2, 6), f"unexpected PNG format {depth}/{colour}"
bpp = 3 if colour == 2 else 4
raw, stride = zlib.decompress(idat), width * bpp
rows, prev = [], bytearray(stride)
for y in range(height):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line)
    prev = line
want = {"running": (0x2e, 0x9d, 0x4f), "sleeping": (0x9c, 0xc3, 0xe6), "blocked": (0xd9, 0x53, 0x4f), "killed": (0xb0, 0, 0)}
counts = {name: 0 for name in want}
for line in rows:
    for x in range(0, stride, bpp):
        px = tuple(line[x:x + 3])
        for name, rgb in want.items():
            if all(abs(p - q) <= 6 for p, q in zip(px, rgb)):
                counts[name] += 1
print(f"{sys.argv[1]}: {width}x{height}, pixels per colour: {counts}")
missing = [name for name in ("running", "sleeping", "blocked") if counts[name] < 50]
assert not missing, f"the browser drew no {missing}"
EOF
echo "ok: the browser drew the timelines; see $out/$lesson.png"
