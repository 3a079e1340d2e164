#!/usr/bin/env python3
"""Scripted replay of the eleven findings of issue 13 against a real FaceApi process on loopback,
plus (12) a burst of maximal bodies against the buffered-body budget, two CPU bombs a second probe
found: (13) EXIF and TIFF directories of tens of thousands of entries, (14) progressive JPEGs with a
scan repeated a thousand times, and two TIFF bombs a fourth probe found: (15) strip buffers sized by
RowsPerStrip, (16) strips that all point at the same data.

Not a CI test: it starts the service (a built FaceApi.dll) with the small real models of
../shared/testdata, runs each attack bounded in count and time, and prints per attack the status
codes, the slowest request, the service's CPU-seconds, its RSS before, after and after an idle
pause, and how ordinary requests sent meanwhile fared (served, or refused fast with queue_full).

    deploy/attacks/replay.py [--service src/FaceApi/bin/Release/net10.0/FaceApi.dll] [--quick]
                             [--idle-seconds 60] [--only 2,10]

--quick scales the attacks down (fewer requests, shorter slow uploads, 10 s idle) to run in a few
minutes; without it the counts are those of the issue. Only the standard library is used.
"""
import argparse
import base64
import collections
import concurrent.futures
import http.client
import json
import os
import random
import re
import socket
import string
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TESTDATA = os.path.abspath(os.path.join(ROOT, "..", "shared", "testdata"))
PHOTO = open(os.path.join(TESTDATA, "faces", "obama.jpg"), "rb").read()
FAMILY = open(os.path.join(TESTDATA, "faces", "obama_family.jpg"), "rb").read()  # four faces
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
DIMENSION = 128  # mobilefacenet.onnx's embedding length (../shared/testdata/SOURCES.md)
# The /verify JSON body limit at the default FaceApi:Limits:MaxEncodedBytes (20 MiB): two images as
# base64 plus 2% for escaped '/', plus 64 KiB of envelope (src/FaceApi/Uploads/UploadLimits.cs).
VERIFY_JSON_LIMIT = 2 * ((20 * 1024 * 1024 + 2) // 3 * 4 * 102 // 100) + 64 * 1024


# ---- the service process --------------------------------------------------------------------------

class Service:
    """FaceApi.dll on a free loopback port with the test models, its log in a file, its temp folder its own."""

    def __init__(self, dll, extra_env=None, models_dir=None):
        self.port = free_port()
        self.temp = tempfile.mkdtemp(prefix="faceapi-replay-")
        self.log_path = os.path.join(self.temp, "service.log")
        env = dict(os.environ)
        env.update({
            "ASPNETCORE_URLS": f"http://127.0.0.1:{self.port}",
            "TMPDIR": self.temp,
            "FaceApi__Models__Directory": models_dir or os.path.join(TESTDATA, "models"),
            "FaceApi__Models__AutoDownload": "false",
            "FaceApi__Recognition__ModelPath": "mobilefacenet.onnx",
            "FaceApi__Recognition__Name": "mobilefacenet",
            "FaceApi__Recognition__ChannelOrder": "BGR",
            "FaceApi__Recognition__Mean": "127.5",
            "FaceApi__Recognition__Std": "128",
            "FaceApi__Detection__ModelPath": "scrfd_2.5g_bnkps.onnx",
            "FaceApi__Verification__Threshold": "0.35",
            "FaceApi__Inference__Providers__0": "Cpu",
        })
        env.update(extra_env or {})
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(["dotnet", dll], env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=os.path.dirname(os.path.abspath(dll)))

    def wait_ready(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                status, _, _ = request(self.port, "GET", "/health/ready", timeout=5)
                if status == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.5)
        return False

    def cpu_seconds(self):
        with open(f"/proc/{self.process.pid}/stat") as stat:
            return stat_cpu_seconds(stat.read())

    def cpu_seconds_by_thread(self):
        """CPU-seconds so far of each kind of thread: their names without a trailing number
        ("faceapi-compute-1" and "-0" are "faceapi-compute"; Linux keeps 15 characters of a name)."""
        seconds = collections.Counter()
        task_folder = f"/proc/{self.process.pid}/task"
        for task in os.listdir(task_folder):
            try:
                with open(os.path.join(task_folder, task, "stat")) as stat:
                    text = stat.read()
            except OSError:
                continue  # the thread ended meanwhile
            name = text[text.find("(") + 1:text.rfind(")")]
            seconds[re.sub(r"[-_ ]?\d+$", "", name).strip()] += stat_cpu_seconds(text)
        return seconds

    def rss_mib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def log_text(self):
        self.log.flush()
        with open(self.log_path, "rb") as log:
            return log.read().decode("utf-8", "replace")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def stat_cpu_seconds(stat):
    """utime + stime of a /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat line (proc(5), fields 14 and 15)."""
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(port, method, path, body=None, headers=None, timeout=120):
    """One request on its own connection: (status, problem code or None, seconds)."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        payload = response.read()
        code = None
        if response.status >= 400 and payload[:1] == b"{":
            try:
                code = json.loads(payload).get("code")
            except ValueError:
                pass
        return response.status, code, time.monotonic() - started
    finally:
        connection.close()


def multipart(fields):
    """fields: (name, bytes, filename or None); returns (body, content type)."""
    boundary = "replay" + "".join(random.choices(string.ascii_lowercase, k=16))
    parts = []
    for name, value, filename in fields:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        kind = "application/octet-stream" if filename else "text/plain"
        parts.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {kind}\r\n\r\n".encode() + value + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def embed_photo(port, photo=PHOTO, timeout=120):
    body, kind = multipart([("image", photo, "face.jpg")])
    return request(port, "POST", "/embed", body, {"Content-Type": kind}, timeout)


def metrics(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/metrics")
    text = connection.getresponse().read().decode()
    connection.close()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return text, samples


# ---- the attacks ----------------------------------------------------------------------------------

def attack_number_bombs(port, scale):
    """1. Huge arrays of numbers: /verify JSON embedding, the same as a multipart field, an unknown JSON field."""
    zeros = ",".join(["0"] * scale.numbers).encode()
    image = base64.b64encode(PHOTO)
    bodies = [
        ("POST", "/verify", b'{"embedding1":[' + zeros + b'],"image2":"' + image + b'"}', {"Content-Type": "application/json"}),
        ("POST", "/embed", b'{"image":"' + image + b'","padding":[' + zeros + b"]}", {"Content-Type": "application/json"}),
    ]
    body, kind = multipart([("image1", PHOTO, "a.jpg"), ("embedding2", b"[" + zeros + b"]", None)])
    bodies.append(("POST", "/verify", body, {"Content-Type": kind}))
    jobs = [(method, path, payload, headers) for method, path, payload, headers in bodies for _ in range(scale.number_copies)]
    with concurrent.futures.ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(lambda job: request(port, *job), jobs))


def jpeg_with_segments(jpeg, marker, identifier, count, payload):
    segment = b"\xff" + bytes([marker]) + struct.pack(">H", payload + 2) + identifier + b"\0" * (payload - len(identifier))
    return jpeg[:2] + segment * count + jpeg[2:]


def attack_metadata_bombs(port, scale):
    """2. obama.jpg with 315 EXIF segments of 64 KB (20 MB), several at once."""
    bomb = jpeg_with_segments(PHOTO, 0xE1, b"Exif\0\0", 315, 65533)
    with concurrent.futures.ThreadPoolExecutor(scale.metadata_bombs) as pool:
        return list(pool.map(lambda _: embed_photo(port, bomb), range(scale.metadata_bombs)))


def tiff_directory(entries):
    """A little-endian TIFF structure whose one directory holds `entries` entries of private tags (0xC000
    up, repeating every 12,288; none a directory pointer)."""
    body = b"".join(struct.pack("<HHIHH", 0xC000 + i % 0x3000, 3, 1, 1, 0) for i in range(entries))
    return b"II*\0" + struct.pack("<IH", 8, entries) + body + b"\0\0\0\0"


def jpeg_with_exif(jpeg, exif):
    """`jpeg` with `exif` in as many APP1 "Exif" segments as it needs (extended EXIF), right after SOI."""
    chunks = [exif[i:i + 65527] for i in range(0, len(exif), 65527)]
    segments = b"".join(b"\xff\xe1" + struct.pack(">H", 8 + len(chunk)) + b"Exif\0\0" + chunk for chunk in chunks)
    return jpeg[:2] + segments + jpeg[2:]


def attack_directory_bombs(port, scale):
    """13. (second probe) EXIF and TIFF directories of 65,000 entries: obama.jpg with them in 12 APP1
    segments (780 KB, within the JPEG segment and byte budgets), and a TIFF of 65,000 tags; several at once."""
    directory = tiff_directory(65_000)
    bodies = [(jpeg_with_exif(PHOTO, directory), "image/jpeg"), (directory, "image/tiff")]
    jobs = [body for body in bodies for _ in range(scale.directory_bombs // 2)]
    with concurrent.futures.ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(lambda job: request(port, "POST", "/embed", job[0], {"Content-Type": job[1]}), jobs))


def attack_scan_bombs(port, scale):
    """14. (second probe) obama_family.jpg, a progressive JPEG, with its last scan repeated 1000 times
    (ImageSharp passes over the image once per scan); several at once."""
    end = FAMILY.rindex(b"\xff\xd9")
    last_scan = FAMILY.rindex(b"\xff\xda", 0, end)  # 0xFF 0xDA cannot occur inside entropy-coded data
    bomb = FAMILY[:end] + FAMILY[last_scan:end] * 1000 + FAMILY[end:]
    with concurrent.futures.ThreadPoolExecutor(scale.scan_bombs) as pool:
        return list(pool.map(lambda _: embed_photo(port, bomb), range(scale.scan_bombs)))


def tiff_strips(width, height, compression, data, strips, rows_per_strip, bits=(8,), extra=()):
    """A little-endian TIFF of one directory whose `strips` strips all point at the one `data` blob."""
    samples = len(bits)
    data_at, arrays_at = 8, 8 + len(data) + (len(data) & 1)
    counts_at, bits_at = arrays_at + 4 * strips, arrays_at + 8 * strips
    directory_at = bits_at + 2 * samples
    # (tag, type, count, value or offset): TIFF 6.0 section 8; SHORT = 3, LONG = 4.
    entries = sorted([(256, 4, 1, width), (257, 4, 1, height), (258, 3, samples, bits[0] if samples == 1 else bits_at),
                      (259, 3, 1, compression), (262, 3, 1, 1 if samples == 1 else 2),
                      (273, 4, strips, arrays_at if strips > 1 else data_at), (277, 3, 1, samples),
                      (278, 4, 1, rows_per_strip), (279, 4, strips, counts_at if strips > 1 else len(data)), *extra])
    directory = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHIHH", t, ty, c, v, 0) if ty == 3 and c == 1 else struct.pack("<HHII", t, ty, c, v)
        for t, ty, c, v in entries) + b"\0\0\0\0"
    return (b"II*\0" + struct.pack("<I", directory_at) + data + b"\0" * (len(data) & 1)
            + struct.pack(f"<{strips}I", *[data_at] * strips) + struct.pack(f"<{strips}I", *[len(data)] * strips)
            + struct.pack(f"<{samples}H", *bits) + directory)


def attack_tiff_strip_buffers(port, scale):
    """15. (fourth probe) a 384-byte 12000x1 RGBA float32 TIFF whose RowsPerStrip is 5500: ImageSharp
    sizes its strip buffer by the tag (1.06 GB) and clears it. With aligned=true (12,000 pixels, decoded
    inline on request threads), several at once."""
    data = zlib.compress(bytes(12000 * 16), 9)
    bomb = tiff_strips(12000, 1, 8, data, 1, 5500, bits=(32, 32, 32, 32), extra=[(338, 3, 1, 2), (339, 3, 1, 3)])
    with concurrent.futures.ThreadPoolExecutor(scale.strip_buffers) as pool:
        return list(pool.map(lambda _: request(port, "POST", "/embed?aligned=true", bomb, {"Content-Type": "image/tiff"}), range(scale.strip_buffers)))


def attack_overlapping_strips(port, scale):
    """16. (fourth probe) a 1x12000 TIFF whose 12,000 strips all point at the same 2 MB of PackBits that
    yield nothing: ImageSharp decompresses it once per strip. Several at once."""
    bomb = tiff_strips(1, 12000, 32773, b"\x80" * ((2 << 20) - 2) + b"\0\0", 12000, 1)
    with concurrent.futures.ThreadPoolExecutor(scale.overlapping_strips) as pool:
        return list(pool.map(lambda _: request(port, "POST", "/embed", bomb, {"Content-Type": "image/tiff"}), range(scale.overlapping_strips)))


def attack_slow_uploads(port, scale):
    """3. 64 connections announcing 50 MB bodies and sending 1 KB a second."""
    boundary = "slowslowslow"
    head = (f"POST /embed HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: 50000000\r\n\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\n\r\n").encode()
    results = []

    def slow(_):
        started = time.monotonic()
        sock = socket.create_connection(("127.0.0.1", port))
        try:
            sock.sendall(head)
            deadline = started + scale.slow_seconds
            while time.monotonic() < deadline:
                sock.sendall(b"\0" * 1024)
                time.sleep(1)
            sock.settimeout(5)
            answer = sock.recv(200).decode("latin-1")
            status = int(answer.split()[1]) if answer.startswith("HTTP/") else 0
        except OSError:
            status = 0  # the server closed the connection: what a stalled upload should get
        finally:
            sock.close()
        return status, None, time.monotonic() - started

    with concurrent.futures.ThreadPoolExecutor(64) as pool:
        results = list(pool.map(slow, range(64)))
    return results


def attack_methods(port, scale):
    """4. Made-up HTTP methods on /health/live, without a key, on one kept-alive connection."""
    before, _ = metrics(port)
    results = []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for i in range(scale.methods):
        method = "X" + "".join(random.choices(string.ascii_uppercase, k=8))
        started = time.monotonic()
        try:
            connection.request(method, "/health/live")
            response = connection.getresponse()
            response.read()
            results.append((response.status, None, time.monotonic() - started))
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            results.append((0, None, time.monotonic() - started))
    connection.close()
    after, _ = metrics(port)
    series = lambda text: sum(1 for line in text.splitlines() if line and not line.startswith("#"))
    print(f"    /metrics: {series(before)} -> {series(after)} series, {len(before) / 1e6:.2f} -> {len(after) / 1e6:.2f} MB")
    return results


def attack_disk_spool(port, scale, service):
    """5. A multipart image over the memory buffer threshold, held half-sent: is it spooled to disk?"""
    big = PHOTO + b"\0" * (scale.spool_bytes - len(PHOTO))
    body, kind = multipart([("image", big, "big.jpg")])
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(f"POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n\r\n".encode())
    sock.sendall(body[: len(body) * 3 // 4])
    time.sleep(2)
    spooled = [name for folder in (service.temp, tempfile.gettempdir()) for name in os.listdir(folder) if name.startswith("ASPNETCORE_")]
    started = time.monotonic()
    sock.sendall(body[len(body) * 3 // 4:])
    sock.settimeout(60)
    answer = sock.recv(200).decode("latin-1")
    sock.close()
    print(f"    ASPNETCORE_* temp files while the upload was in flight: {spooled or 'none'}")
    return [(int(answer.split()[1]) if answer.startswith("HTTP/") else 0, None, time.monotonic() - started)]


def black_png(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = zlib.compress((b"\0" * (1 + 3 * width)) * height, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def attack_pixel_bombs(port, scale):
    """6. Small all-black 7000x7000 PNGs, many at once."""
    png = black_png(7000, 7000)
    print(f"    each PNG {len(png) / 1024:.0f} KB for 7000x7000 pixels")
    with concurrent.futures.ThreadPoolExecutor(scale.pixel_bombs) as pool:
        return list(pool.map(lambda _: embed_photo(port, png), range(scale.pixel_bombs)))


def attack_client_faults(port, scale):
    """7. Multipart bodies that end early, and clients that reset mid-upload."""
    body, kind = multipart([("image", PHOTO, "a.jpg")])
    results = []
    for _ in range(scale.faults):
        # Content-Length honest, but the multipart ends without its closing boundary.
        cut = body[: len(body) // 2]
        results.append(request(port, "POST", "/embed", cut, {"Content-Type": kind}))
        # The client announces the whole body, sends half and resets the connection.
        started = time.monotonic()
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(f"POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + cut)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
        results.append((0, "reset by client", time.monotonic() - started))
    time.sleep(1)
    return results


def attack_readiness_paths(port, scale):
    """9. /health/ready, without a key: does it name paths?"""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/health/ready")
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    paths = sorted(set(re.findall(r"(?:/[\w.-]+){2,}", text)))
    print(f"    path-like strings in /health/ready: {paths or 'none'}")
    return [(response.status, None, 0.0)]


def attack_photo_overload(port, scale):
    """10. A burst of 4-face photos, all at once."""
    gate = threading.Barrier(scale.photos)

    def one(_):
        gate.wait()
        return embed_photo(port, FAMILY)

    with concurrent.futures.ThreadPoolExecutor(scale.photos) as pool:
        results = list(pool.map(one, range(scale.photos)))
    ok = sorted(t for s, _, t in results if s == 200)
    refused = sorted(t for s, c, t in results if s == 503)
    pct = lambda xs, q: xs[min(len(xs) - 1, max(0, int(q * len(xs) + 0.999) - 1))] * 1000 if xs else 0
    print(f"    accepted {len(ok)}: p50 {pct(ok, .5):.0f} ms, p99 {pct(ok, .99):.0f} ms; refused {len(refused)}: p50 {pct(refused, .5):.0f} ms, p99 {pct(refused, .99):.0f} ms, max {pct(refused, 1):.0f} ms")
    return results


def attack_body_budget(port, scale):
    """12. Many /verify JSON bodies just under the body limit (55 MB), sent at once: RSS stays bounded."""
    embedding = "[" + ",".join(["0.5"] * DIMENSION) + "]"
    head = f'{{"embedding1":{embedding},"embedding2":{embedding},"padding":"'.encode()
    body = head + b"a" * (VERIFY_JSON_LIMIT - 1024 - len(head) - 2) + b'"}'
    _, before = metrics(port)
    gate = threading.Barrier(scale.maximal_bodies)

    def one(_):
        gate.wait()
        started = time.monotonic()
        try:
            return request(port, "POST", "/verify", body, {"Content-Type": "application/json"})
        except OSError as error:  # the server answered early and closed before the body was all sent
            return 0, type(error).__name__, time.monotonic() - started

    with concurrent.futures.ThreadPoolExecutor(scale.maximal_bodies) as pool:
        results = list(pool.map(one, range(scale.maximal_bodies)))
    _, after = metrics(port)
    key = 'faceapi_rejections_total{reason="body_budget"}'
    refused = sorted(t for s, _, t in results if s == 503)
    print(f"    {scale.maximal_bodies} bodies of {len(body) / 1e6:.1f} MB ({scale.maximal_bodies * len(body) / 1048576:.0f} MiB in all); "
          f"body_budget rejections {after.get(key, 0) - before.get(key, 0):.0f}; "
          f"refused ones took {refused[0] if refused else 0:.2f} to {refused[-1] if refused else 0:.2f} s, their whole body sent first (http.client reads no early answer)")
    return results


def pack_server(files, failures):
    """A loopback HTTP server that answers 500 `failures` times, then serves a zip of `files`."""
    import hashlib
    import http.server
    import io
    import zipfile
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as pack:
        for name, path in files.items():
            pack.write(path, name)
    payload = data.getvalue()
    state = {"left": failures, "served": []}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            state["served"].append(time.monotonic())
            if state["left"] > 0:
                state["left"] -= 1
                self.send_response(500)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, hashlib.sha256(payload).hexdigest(), state


def attack_failed_download(args, scale):
    """11. The model download fails twice, then works: does the service become ready without a restart?"""
    import hashlib
    models = {"scrfd_2.5g_bnkps.onnx": os.path.join(TESTDATA, "models", "scrfd_2.5g_bnkps.onnx"),
              "mobilefacenet.onnx": os.path.join(TESTDATA, "models", "mobilefacenet.onnx")}
    server, sha, state = pack_server(models, failures=2)
    env = {"FaceApi__Models__AutoDownload": "true",
           "FaceApi__Models__PackUrl": f"http://127.0.0.1:{server.server_address[1]}/pack.zip",
           "FaceApi__Models__PackSha256": sha}
    for name, path in models.items():
        env[f"FaceApi__Models__PackFiles__{name}"] = hashlib.sha256(open(path, "rb").read()).hexdigest()
    empty = tempfile.mkdtemp(prefix="faceapi-replay-models-")
    service = Service(args.service, env, models_dir=empty)
    started = time.monotonic()
    ready = service.wait_ready(scale.download_wait)
    elapsed = time.monotonic() - started
    service.stop()
    server.shutdown()
    print(f"    pack requests: {len(state['served'])}; ready: {ready} after {elapsed:.0f} s (waited at most {scale.download_wait} s)")
    return [(200 if ready else 503, None if ready else "never ready", elapsed)]


# ---- the harness ----------------------------------------------------------------------------------

class BackgroundLoop:
    """Runs `run` on a thread for the length of a with-block; `run` loops until `stop_flag` is set."""

    def __init__(self):
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        raise NotImplementedError

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        self.thread.join()


class OrdinaryTraffic(BackgroundLoop):
    """A photo every half second while an attack runs: served, refused fast with queue_full, or neither."""

    def __init__(self, port):
        self.port, self.results = port, []
        super().__init__()

    def run(self):
        while not self.stop_flag.is_set():
            try:
                self.results.append(embed_photo(self.port, timeout=60))
            except OSError:
                self.results.append((0, "connection failed", 0.0))
            self.stop_flag.wait(0.5)

    def summary(self):
        served = [t for s, _, t in self.results if s == 200]
        fast = [t for s, c, t in self.results if s == 503 and c == "queue_full" and t < 0.5]
        other = [(s, c, round(t, 2)) for s, c, t in self.results if not (s == 200 or (s == 503 and c == "queue_full" and t < 0.5))]
        slowest = max(served, default=0)
        return f"{len(served)} served (slowest {slowest:.2f} s), {len(fast)} fast queue_full, {len(other)} other {other[:5]}"


class PeakRss(BackgroundLoop):
    """The service's largest RSS while it runs, sampled every 20 ms."""

    def __init__(self, service):
        self.service, self.peak = service, service.rss_mib()
        super().__init__()

    def run(self):
        while not self.stop_flag.wait(0.02):
            self.peak = max(self.peak, self.service.rss_mib())


def run_attack(number, name, action, service, args, scale):
    print(f"\n[{number}] {name}")
    cpu_before, rss_before = service.cpu_seconds(), service.rss_mib()
    errors_before = service_errors(service)
    started = time.monotonic()
    with OrdinaryTraffic(service.port) as ordinary, PeakRss(service) as peak:
        results = action()
    wall = time.monotonic() - started
    cpu = service.cpu_seconds() - cpu_before
    rss_after = service.rss_mib()
    time.sleep(args.idle_seconds)
    rss_idle = service.rss_mib()
    heap_idle = metrics(service.port)[1].get("dotnet_total_memory_bytes", 0.0) / 1048576
    statuses = collections.Counter(f"{s} {c}" if c else str(s) for s, c, _ in results)
    server_errors = service_errors(service) - errors_before
    print(f"    statuses {dict(statuses)}; slowest request {max(t for _, _, t in results):.2f} s; wall {wall:.1f} s")
    print(f"    service CPU {cpu:.1f} s ({cpu / max(1, len(results)):.2f} s per attack request); 500 internal_error answers during it: {server_errors:.0f}")
    print(f"    RSS {rss_before:.0f} -> peak {peak.peak:.0f} -> {rss_after:.0f} MiB, {rss_idle:.0f} MiB after {args.idle_seconds} s idle (managed heap then {heap_idle:.0f} MiB)")
    print(f"    ordinary requests meanwhile: {ordinary.summary()}")


def service_errors(service):
    _, samples = metrics(service.port)
    return samples.get('faceapi_errors_total{code="internal_error"}', 0.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--service", default=os.path.join(ROOT, "src/FaceApi/bin/Release/net10.0/FaceApi.dll"))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--idle-seconds", type=int)
    parser.add_argument("--only", help="comma-separated attack numbers")
    args = parser.parse_args()
    quick = args.quick
    scale = argparse.Namespace(
        numbers=27_000_000, number_copies=1 if quick else 2, metadata_bombs=4 if quick else 16,
        slow_seconds=10 if quick else 30, methods=3000 if quick else 60000, spool_bytes=8 << 20,
        pixel_bombs=16, faults=5 if quick else 20, photos=100 if quick else 200,
        download_wait=60 if quick else 120, maximal_bodies=16 if quick else 32,
        directory_bombs=4 if quick else 8, scan_bombs=4 if quick else 8, strip_buffers=4 if quick else 12,
        overlapping_strips=2 if quick else 4)
    if args.idle_seconds is None:
        args.idle_seconds = 10 if quick else 60
    only = {int(n) for n in args.only.split(",")} if args.only else set(range(1, 17))
    if not os.path.exists(args.service):
        subprocess.run(["dotnet", "build", os.path.join(ROOT, "src/FaceApi"), "-c", "Release", "-v", "quiet", "--nologo"], check=True)

    service = Service(args.service)
    try:
        if not service.wait_ready(120):
            sys.exit(f"the service did not become ready; log:\n{service.log_text()}")
        for _ in range(10):  # steady state under normal load
            embed_photo(service.port)
        print(f"steady state after 10 photos: RSS {service.rss_mib():.0f} MiB, CPU {service.cpu_seconds():.1f} s; idle {args.idle_seconds} s between attacks")
        port = service.port
        attacks = [
            (1, "number bombs (JSON and multipart arrays of 27 M zeros)", lambda: attack_number_bombs(port, scale)),
            (2, "JPEG metadata bombs (315 EXIF segments of 64 KB)", lambda: attack_metadata_bombs(port, scale)),
            (3, "slow uploads (64 x 50 MB at 1 KB/s)", lambda: attack_slow_uploads(port, scale)),
            (4, "made-up HTTP methods", lambda: attack_methods(port, scale)),
            (5, "large multipart image spooled to disk?", lambda: attack_disk_spool(port, scale, service)),
            (6, "7000x7000 PNGs of 140 KB", lambda: attack_pixel_bombs(port, scale)),
            (7, "truncated multipart and client resets", lambda: attack_client_faults(port, scale)),
            (9, "paths in /health/ready", lambda: attack_readiness_paths(port, scale)),
            (10, "photo overload (4-face photos at once)", lambda: attack_photo_overload(port, scale)),
            (12, "maximal /verify bodies at once (55 MB JSON each)", lambda: attack_body_budget(port, scale)),
            (13, "EXIF and TIFF directories of 65,000 entries", lambda: attack_directory_bombs(port, scale)),
            (14, "progressive JPEG with its last scan repeated 1000 times", lambda: attack_scan_bombs(port, scale)),
            (15, "TIFF strip buffers sized by RowsPerStrip (aligned=true)", lambda: attack_tiff_strip_buffers(port, scale)),
            (16, "TIFF strips that all point at the same 2 MB", lambda: attack_overlapping_strips(port, scale)),
        ]
        for number, name, action in attacks:
            if number in only:
                run_attack(number, name, action, service, args, scale)
        if 8 in only:
            _, samples = metrics(port)
            queue_full = samples.get('faceapi_errors_total{code="queue_full"}', 0.0)
            rejections = {k: v for k, v in samples.items() if k.startswith("faceapi_rejections_total")}
            print(f"\n[8] rejections metric after the attacks: errors_total{{queue_full}} {queue_full:.0f}; {rejections}")
        log = service.log_text()
        error_lines = len(re.findall(r" ERR\]|\"@l\":\"Error\"", log))
        print(f"\nservice log: {error_lines} error lines, {log.count('Unhandled error')} 'Unhandled error'")
    finally:
        service.stop()
    if 11 in only:
        run_failed_download(args, scale)


def run_failed_download(args, scale):
    print("\n[11] model download failing twice, then succeeding")
    attack_failed_download(args, scale)


if __name__ == "__main__":
    main()
