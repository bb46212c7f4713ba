#!/usr/bin/env python3
"""mrtgen: craft small MRT files for bgpwatch's tests, fuzz seeds and bench.

Everything here is generated from scratch (RFC 6396 / RFC 4271 layouts);
no shared data is copied.

  mrtgen.py corpus MRT_DIR BGP_DIR     seed corpora for fuzz_mrt / fuzz_bgp
  mrtgen.py bad DIR                    damaged files for the bad-input test
  mrtgen.py synth-rib FILE N PEERS     TABLE_DUMP_V2 RIB, N prefixes x PEERS
  mrtgen.py updates FILE               a small BGP4MP_ET update stream
"""
import gzip
import ipaddress
import os
import random
import struct
import sys


def hdr(ts, typ, sub, body):
    return struct.pack(">IHHI", ts, typ, sub, len(body)) + body


def attr(flags, typ, val):
    if len(val) > 255:
        return struct.pack(">BBH", flags | 0x10, typ, len(val)) + val
    return struct.pack(">BBB", flags, typ, len(val)) + val


def aspath(asns, as4=True, seg=2):
    fmt = ">I" if as4 else ">H"
    out = b""
    for i in range(0, len(asns), 255):
        chunk = asns[i:i + 255]
        out += struct.pack(">BB", seg, len(chunk)) + b"".join(struct.pack(fmt, a) for a in chunk)
    return out


def pfx(p):
    n = ipaddress.ip_network(p, strict=False)
    nb = (n.prefixlen + 7) // 8
    return bytes([n.prefixlen]) + n.network_address.packed[:nb]


def std_attrs(path, nh="192.0.2.1", as4=True, comms=(), med=None, lp=None):
    a = attr(0x40, 1, b"\x00")
    a += attr(0x40, 2, aspath(path, as4))
    if nh:
        a += attr(0x40, 3, ipaddress.ip_address(nh).packed)
    if med is not None:
        a += attr(0x80, 4, struct.pack(">I", med))
    if lp is not None:
        a += attr(0x40, 5, struct.pack(">I", lp))
    if comms:
        a += attr(0xC0, 8, b"".join(struct.pack(">HH", x, y) for x, y in comms))
    return a


def update(withdrawn=(), attrs=b"", nlri=()):
    w = b"".join(pfx(p) for p in withdrawn)
    n = b"".join(pfx(p) for p in nlri)
    return struct.pack(">H", len(w)) + w + struct.pack(">H", len(attrs)) + attrs + n


def bgp_msg(typ, body):
    return b"\xff" * 16 + struct.pack(">HB", 19 + len(body), typ) + body


def bgp4mp(ts, msg, peer="10.0.0.1", peer_as=65001, local="10.0.0.2", local_as=65000,
           as4=True, et=False, usec=0):
    pa = ipaddress.ip_address(peer)
    afi = 1 if pa.version == 4 else 2
    fmt = ">IIHH" if as4 else ">HHHH"
    body = struct.pack(fmt, peer_as, local_as, 0, afi) + pa.packed + \
        ipaddress.ip_address(local).packed + msg
    sub = 4 if as4 else 1
    if et:
        return hdr(ts, 17, sub, struct.pack(">I", usec) + body)
    return hdr(ts, 16, sub, body)


def state(ts, old, new, peer="10.0.0.1", peer_as=65001):
    body = struct.pack(">IIHH", peer_as, 65000, 0, 1) + ipaddress.ip_address(peer).packed + \
        ipaddress.ip_address("10.0.0.2").packed + struct.pack(">HH", old, new)
    return hdr(ts, 16, 5, body)


def pit(peers):
    body = ipaddress.ip_address("10.0.0.254").packed + struct.pack(">H", 0)
    body += struct.pack(">H", len(peers))
    for addr, asn in peers:
        a = ipaddress.ip_address(addr)
        t = 2 | (1 if a.version == 6 else 0)
        body += bytes([t]) + b"\x0a\x00\x00\x01"  # type, BGP ID
        body += a.packed + struct.pack(">I", asn)
    return hdr(1700000000, 13, 1, body)


def rib(ts, seq, prefix, entries, v6=False):
    body = struct.pack(">I", seq) + pfx(prefix) + struct.pack(">H", len(entries))
    for peer_idx, attrs in entries:
        body += struct.pack(">HIH", peer_idx, ts, len(attrs)) + attrs
    return hdr(ts, 13, 4 if v6 else 2, body)


def corpus(mrt_dir, bgp_dir):
    os.makedirs(mrt_dir, exist_ok=True)
    os.makedirs(bgp_dir, exist_ok=True)
    seeds = {}
    a = std_attrs([65001, 64500], comms=[(65001, 100), (0xFFFF, 0xFF01)], med=10, lp=100)
    seeds["announce"] = bgp4mp(1700000000, bgp_msg(2, update(nlri=["192.0.2.0/24", "198.51.100.0/25"], attrs=a)))
    seeds["withdraw"] = bgp4mp(1700000001, bgp_msg(2, update(withdrawn=["192.0.2.0/24"])))
    seeds["as2"] = bgp4mp(1700000002, bgp_msg(2, update(nlri=["203.0.113.0/24"],
                          attrs=std_attrs([65001, 23456], as4=False) + attr(0xC0, 17, aspath([65001, 4200000000])))),
                          as4=False)
    mp = struct.pack(">HBB", 2, 1, 16) + ipaddress.ip_address("2001:db8::1").packed + b"\x00" + pfx("2001:db8:1::/48")
    seeds["mp_v6"] = bgp4mp(1700000003, bgp_msg(2, update(attrs=attr(0x40, 1, b"\x00") + attr(0x40, 2, aspath([65001])) + attr(0x80, 14, mp))),
                            peer="2001:db8::2", local="2001:db8::3", et=True, usec=12)
    unr = struct.pack(">HB", 2, 1) + pfx("2001:db8:1::/48")
    seeds["mp_unreach"] = bgp4mp(1700000004, bgp_msg(2, update(attrs=attr(0x80, 15, unr))))
    seeds["state"] = state(1700000005, 6, 1)
    seeds["rib"] = pit([("10.0.0.1", 65001), ("2001:db8::2", 65002)]) + \
        rib(1700000006, 0, "192.0.2.0/24", [(0, a), (1, std_attrs([65002, 64500]))])
    seeds["rib_v6"] = pit([("10.0.0.1", 65001)]) + \
        rib(1700000007, 1, "2001:db8::/32", [(0, attr(0x40, 1, b"\x00") + attr(0x80, 14, b"\x10" + ipaddress.ip_address("2001:db8::9").packed))], v6=True)
    large = attr(0xC0, 32, struct.pack(">III", 65001, 1, 2)) + attr(0xC0, 16, b"\x00\x02\xfd\xe9\x00\x00\x00\x01")
    seeds["large_ext"] = bgp4mp(1700000008, bgp_msg(2, update(nlri=["10.1.0.0/16"], attrs=std_attrs([65001, 65002]) + large)))
    seeds["aggr_set"] = bgp4mp(1700000009, bgp_msg(2, update(nlri=["10.2.0.0/16"], attrs=std_attrs([65001]) +
                               attr(0x40, 6, b"") + attr(0xC0, 7, struct.pack(">I", 65001) + b"\x0a\x00\x00\x01"))))
    seeds["keepalive"] = bgp4mp(1700000010, bgp_msg(4, b""))
    seeds["notification"] = bgp4mp(1700000011, bgp_msg(3, b"\x06\x02\x0bmaintenance"))
    seeds["bad_len"] = bgp4mp(1700000012, bgp_msg(2, update(nlri=["192.0.2.0/24"], attrs=b"\x40\x02\xff\x02\x01")))
    for name, data in seeds.items():
        with open(os.path.join(mrt_dir, name + ".mrt"), "wb") as f:
            f.write(data)
    # BGP message corpus: "opts byte" + message (see fuzz/fuzz_bgp.c)
    msgs = {
        "update_as4": b"\x01" + bgp_msg(2, update(nlri=["192.0.2.0/24"], attrs=a)),
        "update_as2": b"\x00" + bgp_msg(2, update(nlri=["192.0.2.0/24"], attrs=std_attrs([1, 2, 3], as4=False))),
        "update_addpath": b"\x03" + bgp_msg(2, struct.pack(">H", 0) + struct.pack(">H", len(a)) + a + b"\x00\x00\x00\x07" + pfx("192.0.2.0/24")),
        "mp_reach": b"\x01" + bgp_msg(2, update(attrs=attr(0x80, 14, mp))),
        "withdraw": b"\x01" + bgp_msg(2, update(withdrawn=["10.0.0.0/8", "10.128.0.0/9"])),
        "confed_set": b"\x01" + bgp_msg(2, update(nlri=["10.0.0.0/8"], attrs=attr(0x40, 2, aspath([1, 2], seg=3) + aspath([3, 4], seg=4) + aspath([5, 6], seg=1)))),
        "overrun": b"\x01" + bgp_msg(2, struct.pack(">HH", 0, 4) + b"\x40\x01\x05\x00"),
    }
    for name, data in msgs.items():
        with open(os.path.join(bgp_dir, name + ".bin"), "wb") as f:
            f.write(data)


def bad(d):
    os.makedirs(d, exist_ok=True)
    good = b""
    for i in range(20):
        good += bgp4mp(1700000000 + i, bgp_msg(2, update(nlri=["10.%d.0.0/16" % i], attrs=std_attrs([65001, 64500 + i]))))
    open(os.path.join(d, "good.mrt"), "wb").write(good)
    # a record whose length lies (claims 1 MiB more than is there), mid-file
    recs = [bgp4mp(1700000000 + i, bgp_msg(2, update(nlri=["10.%d.0.0/16" % i], attrs=std_attrs([65001, 64500 + i]))))
            for i in range(20)]
    r = bytearray(recs[10])
    struct.pack_into(">I", r, 8, 0x00F00000)
    recs[10] = bytes(r)
    open(os.path.join(d, "lying-length.mrt"), "wb").write(b"".join(recs))
    # an attribute claiming more bytes than the attribute section has
    bad_attr = attr(0x40, 1, b"\x00") + b"\x40\x02\x40\x02\x01\x00\x00"
    recs2 = list(recs)
    recs2[10] = bgp4mp(1700000010, bgp_msg(2, update(nlri=["10.10.0.0/16"], attrs=bad_attr)))
    open(os.path.join(d, "attr-overrun.mrt"), "wb").write(b"".join(recs2))
    # truncated: cut in the middle of record 15
    cut = 15 * 82 + 30
    open(os.path.join(d, "truncated.mrt"), "wb").write(good[:cut])
    with gzip.open(os.path.join(d, "full.gz"), "wb") as f:
        f.write(good)
    gz = open(os.path.join(d, "full.gz"), "rb").read()
    open(os.path.join(d, "truncated.gz"), "wb").write(gz[:len(gz) * 2 // 3])
    open(os.path.join(d, "not-mrt.txt"), "wb").write(b"this is a text file, not MRT\n" * 40)


def synth_rib(path, n, npeers):
    """A RIB of n prefixes x npeers, with realistic sharing of attributes
    (a few thousand distinct paths), written gzip -1 (a full table's
    RouteViews bview is gzip/bzip2)."""
    rnd = random.Random(42)
    peers = [("10.%d.%d.1" % (i // 250, i % 250), 64512 + i) for i in range(npeers)]
    paths = []
    for i in range(20000):
        ln = rnd.randint(2, 7)
        paths.append([rnd.randint(1, 400000) for _ in range(ln)])
    attr_cache = {}
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(pit(peers))
        seq = 0
        for i in range(n):
            a = (i * 2654435761) & 0xFFFFFFFF
            plen = 24 if i % 4 else rnd.choice((16, 19, 20, 22, 23))
            net = ipaddress.ip_network(((a & 0xDFFFFFFF) | 0x01000000, plen), strict=False)
            ents = []
            for p in range(npeers):
                k = (p, (i * 7 + p) % len(paths))
                if k not in attr_cache:
                    attr_cache[k] = std_attrs([peers[p][1]] + paths[k[1]], nh=peers[p][0])
                ents.append((p, attr_cache[k]))
            f.write(rib(1700000000, seq, str(net), ents))
            seq += 1


def updates(path):
    out = state(1700000000, 1, 6)
    for i in range(50):
        out += bgp4mp(1700000001 + i, bgp_msg(2, update(nlri=["10.%d.0.0/16" % i], attrs=std_attrs([65001, 64500 + i]))), et=True, usec=i)
    open(path, "wb").write(out)


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "corpus":
        corpus(sys.argv[2], sys.argv[3])
    elif cmd == "bad":
        bad(sys.argv[2])
    elif cmd == "synth-rib":
        synth_rib(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "updates":
        updates(sys.argv[2])
    else:
        print(__doc__)
        sys.exit(2)
