#!/usr/bin/env python3
"""Independent verifier of coldvault audit-log exports.

Written from public specifications only: docs/audit.md (the export format), C2SP signed-note and
tlog-checkpoint, and RFC 9162 (Merkle tree hash, consistency proofs), without reading coldvault's code, so
that it and `coldvault audit verify` can check each other.

  audit_independent.py DIR --trust CERT.pem [--known NOTE]   one JSON report on stdout;
                                                             exit 0 valid, 1 invalid, 2 usage error
  audit_independent.py --self-test                           builds, verifies and tampers with its own logs

Checks, in order, named in the report's "check": layout, signature, origin, frontier, record-json,
canonical, seq, window, root, consistency, rollback, fork.
Needs Python 3.11 and `cryptography` >= 38 (Debian 12).
"""
import argparse, base64, binascii, datetime, hashlib, json, os, random, re, shutil, subprocess, sys, tempfile

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

EM = "\u2014"  # em dash that starts a signature line
REQUIRED = ["records.jsonl", "checkpoint-from.note", "checkpoint-to.note", "frontier.json",
            "consistency.json", "export.json"]


class Fail(Exception):
    def __init__(self, check, detail):
        super().__init__(detail)
        self.check, self.detail = check, detail


def sha(b): return hashlib.sha256(b).digest()
def leaf_hash(line): return sha(b"\x00" + line)
def node(left, right): return sha(b"\x01" + left + right)
def b64e(b): return base64.b64encode(b).decode()
EMPTY = sha(b"")


def unb64(s, size=None, strict=True):
    """Standard base64 with padding; strict: must be the canonical encoding of its bytes."""
    try:
        raw = base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError, TypeError):
        return None
    if (strict and b64e(raw) != s) or (size is not None and len(raw) != size):
        return None
    return raw


def key_names(pub):
    """(key ID, origin) of a P-256 public key: both derive from SHA-256 of its SPKI DER (audit.md §3)."""
    spki = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return sha(spki)[:4], "coldvault.local/audit/" + sha(spki).hex()[:16]


class Trust:
    def __init__(self, pem):
        self.pub = x509.load_pem_x509_certificate(pem).public_key()
        if not isinstance(self.pub, ec.EllipticCurvePublicKey) or self.pub.curve.name != "secp256r1":
            raise ValueError("the certificate's key is not ECDSA P-256")
        self.key_id, self.origin = key_names(self.pub)


def open_note(data, trust, what):
    """C2SP signed-note: the note text, once a signature by the trusted key verifies."""
    try:
        note = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Fail("signature", f"{what}: not UTF-8")
    if any(c < " " and c != "\n" for c in note):
        raise Fail("signature", f"{what}: control character in note")
    cut = note.rfind("\n\n")  # the last empty line separates text and signatures
    if cut < 0 or not note.endswith("\n"):
        raise Fail("signature", f"{what}: not a signed note")
    text, verified = note[:cut + 1], False
    for line in note[cut + 2:-1].split("\n"):
        m = re.fullmatch(EM + r" ([^\s+]+) (\S+)", line)
        sig = unb64(m[2], strict=False) if m else None
        if sig is None or len(sig) < 5:
            raise Fail("signature", f"{what}: bad signature line {line!r}")
        if m[1] != trust.origin or sig[:4] != trust.key_id:
            continue  # unknown key: ignored, as C2SP requires
        try:
            trust.pub.verify(sig[4:], text.encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise Fail("signature", f"{what}: the trusted key's signature does not verify")
        verified = True
    if not verified:
        raise Fail("signature", f"{what}: no signature by the trusted key {trust.origin}")
    return text


def open_checkpoint(data, trust, what):
    """C2SP tlog-checkpoint body: origin, size (no leading zeros), base64 root, optional extension lines."""
    lines = open_note(data, trust, what)[:-1].split("\n")
    if len(lines) < 3 or "" in lines or not re.fullmatch(r"0|[1-9][0-9]*", lines[1]) \
            or unb64(lines[2], 32) is None:
        raise Fail("signature", f"{what}: not a checkpoint")
    if lines[0] != trust.origin:
        raise Fail("origin", f"{what}: origin {lines[0]!r}, expected {trust.origin!r}")
    return int(lines[1]), unb64(lines[2], 32)


class Frontier:
    """Roots of the perfect subtrees of a tree, largest first, with their heights (audit.md §2)."""
    def __init__(self, size, hashes):
        heights = [h for h in reversed(range(size.bit_length())) if size >> h & 1]
        if len(heights) != len(hashes):
            raise ValueError(f"{len(hashes)} hashes for size {size}")
        self.size, self.stack = size, list(zip(heights, hashes))

    def append(self, h):
        self.size += 1
        self.stack.append((0, h))
        while len(self.stack) > 1 and self.stack[-1][0] == self.stack[-2][0]:
            (height, left), (_, right) = self.stack[-2:]
            self.stack[-2:] = [(height + 1, node(left, right))]

    def root(self):
        if not self.stack:
            return EMPTY
        r = self.stack[-1][1]
        for _, h in reversed(self.stack[:-1]):
            r = node(h, r)
        return r


def consistent(m, n, proof, first, second):
    """RFC 9162 §2.1.4.2: does `proof` show the tree of size m (root first) is a prefix of size n (second)?"""
    if m == 0:
        return not proof
    if m == n:
        return not proof and first == second
    if m > n or not proof:
        return False
    path = ([first] if m & (m - 1) == 0 else []) + proof
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first and sr == second and sn == 0


class NonInteger:  # what a JSON number with a fraction or exponent parses to: json.dumps refuses it
    pass


def check_record(line, seq):
    """One line of records.jsonl (without its newline): valid JSON, canonical per audit.md §1, seq = position.

    Canonical = json.dumps(sort_keys, (',', ':'), ensure_ascii=False) gives back the same bytes. Compared with
    §1: Python escapes exactly " \\ and U+0000..U+001F, with \\b \\f \\n \\r \\t and otherwise \\u00xx in
    LOWERCASE hex; §1 writes `\\u00XX` without saying the case, so we require lowercase (as JCS, RFC 8785).
    U+007F, U+2028/9 and all non-ASCII stay as themselves in both. Python sorts keys by code point, which is
    the UTF-8 byte order §1 asks for. Python would round-trip 1.5, NaN or a lone-surrogate escape: numbers
    with a fraction/exponent are refused as non-canonical (§1: integers only), NaN/Infinity as not JSON, and
    "\\ud800" cannot be re-encoded as UTF-8 so it is non-canonical too. Surrounding whitespace, "\\/",
    needless \\u escapes, -0 and duplicate keys do not round-trip, so they are caught by the comparison.
    """
    def no_constant(name):
        raise ValueError(f"{name} is not JSON")
    try:
        obj = json.loads(line.decode("utf-8"), parse_float=lambda s: NonInteger(), parse_constant=no_constant)
    except (ValueError, RecursionError) as e:
        raise Fail("record-json", f"record {seq}: {e}")
    if not isinstance(obj, dict):
        raise Fail("record-json", f"record {seq}: not a JSON object")
    try:
        again = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except (TypeError, UnicodeEncodeError):
        again = None
    if again != line:
        raise Fail("canonical", f"record {seq}: not canonical JSON")
    if type(obj.get("seq")) is not int or obj["seq"] != seq:
        raise Fail("seq", f"record at position {seq} carries seq {obj.get('seq')!r}")


def read(d, name, as_json=False):
    try:
        with open(os.path.join(d, name), "rb") as f:
            return json.loads(f.read()) if as_json else f.read()
    except OSError as e:
        raise Fail("layout", f"{name}: {e.strerror}")
    except ValueError:
        raise Fail("layout", f"{name}: not JSON")


def run_checks(d, trust, known_data, rep):
    for name in REQUIRED:
        if not os.path.isfile(os.path.join(d, name)):
            raise Fail("layout", f"{name} is missing")
    # 1. the checkpoints
    a, root_a = open_checkpoint(read(d, "checkpoint-from.note"), trust, "checkpoint-from.note")
    b, root_b = open_checkpoint(read(d, "checkpoint-to.note"), trust, "checkpoint-to.note")
    rep["from"], rep["to"] = a, b
    if a > b:
        raise Fail("layout", f"checkpoint-from has size {a} > checkpoint-to's {b}")
    want = {"format": "coldvault-audit-export", "version": 1, "origin": trust.origin, "from": a, "to": b,
            "records": b - a}
    exp = read(d, "export.json", True)
    if not isinstance(exp, dict) or any(type(exp.get(k)) is not type(v) or exp[k] != v for k, v in want.items()):
        raise Fail("layout", "export.json does not match the checkpoints")
    inter, cdir = {}, os.path.join(d, "checkpoints")
    for name in sorted(os.listdir(cdir)) if os.path.isdir(cdir) else []:
        m = re.fullmatch(r"(0|[1-9][0-9]*)\.note", name)
        if not m:
            raise Fail("layout", f"checkpoints/{name}: unexpected file")
        size, root = open_checkpoint(read(cdir, name), trust, f"checkpoints/{name}")
        if size != int(m[1]) or not a < size < b:
            raise Fail("layout", f"checkpoints/{name} has size {size}, outside ({a}, {b}) or not its name")
        inter[size] = root
    rep["checkpoints"] = len(inter) + (1 if a == b else 2)
    known, known_fail = None, None
    if known_data is not None:
        try:
            known = open_checkpoint(known_data, trust, "the --known note")
        except Fail as f:
            known_fail = f
    # 2. the frontier of size A
    fj = read(d, "frontier.json", True)
    try:
        hashes = [unb64(h, 32) for h in fj["hashes"]]
        if type(fj["size"]) is not int or fj["size"] != a or None in hashes:
            raise ValueError
        fr = Frontier(a, hashes)
    except (KeyError, TypeError, ValueError):
        raise Fail("frontier", f"frontier.json is not a frontier of size {a}")
    if fr.root() != root_a:
        raise Fail("frontier", "frontier.json does not fold to checkpoint-from's root")
    # 3. the records
    roots, lines = {a: root_a}, read(d, "records.jsonl").split(b"\n")
    unterminated, last = lines.pop(), a
    for i, line in enumerate(lines):
        check_record(line, a + i)
        fr.append(leaf_hash(line))
        rep["records"] = i + 1
        if fr.size in inter:
            if fr.root() != inter[fr.size]:
                raise Fail("window", f"records {last}..{fr.size - 1}: root differs from checkpoints/{fr.size}.note")
            last = fr.size
        if known and fr.size == known[0]:
            roots[fr.size] = fr.root()
    if unterminated:
        raise Fail("record-json", f"record {fr.size}: last line of records.jsonl has no newline")
    # 4. the final root and the consistency proof
    if fr.size != b:
        raise Fail("root", f"records.jsonl holds {fr.size - a} records, checkpoint-to needs {b - a}")
    if fr.root() != root_b:
        raise Fail("root", "the records do not hash to checkpoint-to's root")
    cj = read(d, "consistency.json", True)
    try:
        proof = [unb64(h, 32) for h in cj["proof"]]
        ok = cj["from"] == a and cj["to"] == b and None not in proof
    except (KeyError, TypeError):
        ok = False
    if not ok:
        raise Fail("consistency", f"consistency.json is not a proof from {a} to {b}")
    if not consistent(a, b, proof, root_a, root_b):
        raise Fail("consistency", f"the consistency proof from {a} to {b} does not verify")
    # 5. the checkpoint the auditor kept
    if known_fail:
        raise known_fail
    if known and known[0] > b:
        raise Fail("rollback", f"the known checkpoint has size {known[0]} > {b}: the log was rolled back")
    if known and known[0] >= a and roots[known[0]] != known[1]:
        raise Fail("fork", f"the known checkpoint's root at size {known[0]} differs: the log was rewritten")
    return f"{b - a} records from seq {a} hash into {rep['checkpoints']} signed checkpoints" + \
        (f"; consistent with the known checkpoint of size {known[0]}" if known else "")


def verify(d, trust, known_data=None):
    rep = {"verdict": "invalid", "from": None, "to": None, "records": 0, "checkpoints": 0, "check": None,
           "detail": ""}
    try:
        rep.update(verdict="valid", detail=run_checks(d, trust, known_data, rep))
    except Fail as f:
        rep.update(verdict="invalid", check=f.check, detail=f.detail)
    return rep


# ---- self-test: logs of our own, exported per docs/audit.md §4; RFC 9162 §2.1.4.1 proofs, test side only ----
def split(n): return 1 << ((n - 1).bit_length() - 1)  # the largest power of two < n


def mth(leaves):
    if len(leaves) <= 1:
        return leaves[0] if leaves else EMPTY
    k = split(len(leaves))
    return node(mth(leaves[:k]), mth(leaves[k:]))


def subproof(m, leaves, whole):
    if m == len(leaves):
        return [] if whole else [mth(leaves)]
    k = split(len(leaves))
    if m <= k:
        return subproof(m, leaves[:k], whole) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def frontier_of(leaves):
    out, start = [], 0
    for h in reversed(range(len(leaves).bit_length())):
        if len(leaves) >> h & 1:
            out.append(mth(leaves[start:start + (1 << h)]))
            start += 1 << h
    return out


def sign_note(key, text, name=None):
    key_id, origin = key_names(key.public_key())
    sig = key.sign(text.encode(), ec.ECDSA(hashes.SHA256()))
    return f"{text}\n{EM} {name or origin} {b64e(key_id + sig)}\n".encode()


def cp_note(key, leaves, origin=None):
    return sign_note(key, f"{origin or key_names(key.public_key())[1]}\n{len(leaves)}\n{b64e(mth(leaves))}\n")


def self_signed(key):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "coldvault-audit")])
    now = datetime.datetime.utcnow()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=3650)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def canon(obj): return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def make_records(n, rng):
    names = ["db-pass", "clé", "tab\there", "quote\"back\\slash", "line\u2028sep", "\U0001f511"]
    out = []
    for seq in range(n):
        r = {"v": 1, "seq": seq, "time": f"2025-01-{seq % 28 + 1:02d}T12:{seq % 60:02d}:00Z",
             "via": rng.choice(["rest", "cli", "system"]), "operation": rng.choice(["SetSecret", "GetSecret",
             "Sign", "coldvault.audit export"]), "outcome": rng.choice(["success", "refused"]),
             "actor": "local:ann(1000)", "status": rng.choice([0, 200, 403]),
             "name": "ctl\u0001\u001f\u007f" if seq == 7 else rng.choice(names)}
        if r["outcome"] == "refused":
            r["error"] = "Forbidden"
        out.append(canon(r))
    return out


def put(d, name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else canon(data))


def write_export(d, key, pem, lines, a, b, cps=(12, 20, 30)):
    leaves = [leaf_hash(l) for l in lines]
    os.makedirs(os.path.join(d, "checkpoints"))
    put(d, "records.jsonl", b"".join(l + b"\n" for l in lines[a:b]))
    put(d, "checkpoint-from.note", cp_note(key, leaves[:a]))
    put(d, "checkpoint-to.note", cp_note(key, leaves[:b]))
    for s in cps:
        if a < s < b:
            put(d, f"checkpoints/{s}.note", cp_note(key, leaves[:s]))
    put(d, "frontier.json", {"size": a, "hashes": [b64e(h) for h in frontier_of(leaves[:a])]})
    proof = subproof(a, leaves[:b], True) if 0 < a < b else []
    put(d, "consistency.json", {"from": a, "to": b, "proof": [b64e(h) for h in proof]})
    put(d, "audit-key.pem", pem)
    put(d, "export.json", {"format": "coldvault-audit-export", "version": 1, "from": a, "to": b,
                           "origin": key_names(key.public_key())[1], "records": b - a})


def on_lines(fn):
    def mutate(d):
        p = os.path.join(d, "records.jsonl")
        with open(p, "rb") as f:
            ls = f.read().split(b"\n")[:-1]
        put(d, "records.jsonl", b"".join(l + b"\n" for l in fn(ls)))
    return mutate


def self_test():
    rng = random.Random(os.urandom(8))
    key, other = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    pem = self_signed(key)
    trust = Trust(pem)
    lines = make_records(37, rng)
    leaves = [leaf_hash(l) for l in lines]
    fr = Frontier(0, [])
    for n in range(1, len(leaves) + 1):
        fr.append(leaves[n - 1])
        assert fr.root() == mth(leaves[:n]) and Frontier(n, frontier_of(leaves[:n])).root() == fr.root()
        for m in range(1, n + 1):
            p = subproof(m, leaves[:n], True) if m < n else []
            assert consistent(m, n, p, mth(leaves[:m]), mth(leaves[:n])), (m, n)
            assert not p or not consistent(m, n, [sha(p[0])] + p[1:], mth(leaves[:m]), mth(leaves[:n]))
    for raw, want in [(b'{"a":"\\u001f\\n\xc3\xa9\x7f"}', None), (b'{"a":"\\u001F"}', "canonical"),
                      (b'{"a":"\\/"}', "canonical"), (b'{"a":"\\u0041"}', "canonical"), (b'{"a":1.5}', "canonical"),
                      (b'{"a":-0}', "canonical"), (b'{"b":1,"a":2}', "canonical"), (b'{"a":NaN}', "record-json"),
                      (b'{"a":"\\ud800"}', "canonical"), (b'{"a":"\xff"}', "record-json"), (b'[1]', "record-json")]:
        try:
            check_record(raw, 0)
            got = None
        except Fail as f:
            got = f.check
        assert got == (want or "seq"), (raw, got)  # the valid ones have no seq: they reach the seq check
    forked = lines[:16] + [canon(dict(json.loads(l), status=500)) for l in lines[16:]]
    fork_leaves = [leaf_hash(l) for l in forked]

    def replace(name, data): return lambda d: put(d, name, data)

    def bump(obj):
        obj["status"] += 1
        return canon(obj)
    cp20 = f"{trust.origin}\n20\n{b64e(mth(leaves[:20]))}\n"
    cases = [  # (what, from, to, mutate, known note, expected check)
        ("whole log", 0, 37, None, None, None), ("window 5..37", 5, 37, None, None, None),
        ("empty window", 12, 12, None, None, None), ("known in window", 5, 37, None, cp_note(key, leaves[:20]), None),
        ("known before window", 12, 30, None, cp_note(key, leaves[:3]), None),
        ("extra unknown signature", 5, 37, replace("checkpoint-to.note", cp_note(key, leaves[:37])
                                                   + cp_note(other, leaves[:37]).splitlines(True)[-1]), None, None),
        ("edited record", 5, 37, on_lines(lambda ls: ls[:8] + [bump(json.loads(ls[8]))] + ls[9:]), None, "window"),
        ("edited last record", 5, 37, on_lines(lambda ls: ls[:-1] + [bump(json.loads(ls[-1]))]), None, "root"),
        ("deleted record", 5, 37, on_lines(lambda ls: ls[:8] + ls[9:]), None, "seq"),
        ("swapped records", 5, 37, on_lines(lambda ls: ls[:3] + [ls[4], ls[3]] + ls[5:]), None, "seq"),
        ("truncated at a line", 5, 37, on_lines(lambda ls: ls[:-3]), None, "root"),
        ("truncated mid-line", 5, 37, replace("records.jsonl", b"".join(l + b"\n" for l in lines[5:37])[:-9]),
         None, "record-json"),
        ("non-canonical record", 0, 37, on_lines(lambda ls: ls[:2] + [json.dumps(json.loads(ls[2])).encode()]
                                                  + ls[3:]), None, "canonical"),
        ("uppercase \\u escape", 0, 37, on_lines(lambda ls: ls[:7] + [ls[7].replace(b"\\u001f", b"\\u001F")]
                                                 + ls[8:]), None, "canonical"),
        ("checkpoint by another key", 5, 37, replace("checkpoint-to.note", cp_note(other, leaves[:37])), None,
         "signature"),
        ("other key, same name", 5, 37, replace("checkpoints/20.note", sign_note(other, cp20, trust.origin)),
         None, "signature"),
        ("wrong origin", 5, 37, replace("checkpoint-from.note", cp_note(key, leaves[:5], "example.com/log")),
         None, "origin"),
        ("bad frontier", 5, 37, replace("frontier.json", {"size": 5, "hashes": [b64e(leaves[0]), b64e(leaves[4])]}),
         None, "frontier"),
        ("bad proof", 5, 37, replace("consistency.json", {"from": 5, "to": 37, "proof": [b64e(leaves[1])] * 4}),
         None, "consistency"),
        ("missing file", 5, 37, lambda d: os.remove(os.path.join(d, "frontier.json")), None, "layout"),
        ("rollback", 5, 30, None, cp_note(key, leaves[:37]), "rollback"),
        ("fork", 5, 37, None, cp_note(key, fork_leaves[:20]), "fork"),
        ("known by another key", 5, 37, None, cp_note(other, leaves[:20]), "signature"),
    ]
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, (what, a, b, mutate, known, want) in enumerate(cases):
            d = os.path.join(tmp, str(i))
            write_export(d, key, pem, lines, a, b)
            if mutate:
                mutate(d)
            rep = verify(d, trust, known)
            ok = rep["check"] == want and (rep["verdict"] == "valid") == (want is None)
            failed += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {what}: {rep['verdict']} {rep['check']} {rep['detail']}")
        put(tmp, "cert.pem", pem)
        me, cert = [sys.executable, os.path.abspath(__file__)], os.path.join(tmp, "cert.pem")
        for args, rc in [([os.path.join(tmp, "1"), "--trust", cert], 0), ([os.path.join(tmp, "7"), "--trust", cert], 1),
                         ([os.path.join(tmp, "1")], 2)]:
            p = subprocess.run(me + args, capture_output=True, text=True)
            ok = p.returncode == rc and (rc == 2 or json.loads(p.stdout)["verdict"] == ["valid", "invalid"][rc])
            failed += not ok
            print(f"{'ok  ' if ok else 'FAIL'} CLI {' '.join(args[1:])!r} exit {p.returncode}")
    print(f"self-test: {'FAILED ' + str(failed) if failed else 'all passed'}")
    return 1 if failed else 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="Verify a coldvault audit export (docs/audit.md) independently.")
    ap.add_argument("dir", nargs="?", help="the export folder")
    ap.add_argument("--trust", metavar="CERT.pem", help="the pinned audit certificate")
    ap.add_argument("--known", metavar="NOTE", help="a signed checkpoint kept from earlier")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args(argv)
    if args.self_test:
        return self_test()
    if not args.dir or not args.trust:
        ap.error("DIR and --trust CERT.pem are required")
    if not os.path.isdir(args.dir):
        ap.error(f"{args.dir}: not a directory")
    try:
        with open(args.trust, "rb") as f:
            trust = Trust(f.read())
        known = None
        if args.known:
            with open(args.known, "rb") as f:
                known = f.read()
    except (OSError, ValueError) as e:
        ap.error(str(e))
    rep = verify(args.dir, trust, known)
    print(json.dumps(rep, ensure_ascii=False))
    return 0 if rep["verdict"] == "valid" else 1


if __name__ == "__main__":
    sys.exit(main())
