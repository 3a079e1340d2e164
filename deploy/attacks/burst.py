#!/usr/bin/env python3
"""Issue 13's photo burst, timed where the target is set: at the service's socket.

Starts the service (replay.py's Service: the small real models of ../shared/testdata), sends a few
photos one by one, then --rounds bursts of --count four-face photos at once with `hey`, each with
--pause seconds between, while `tcpdump` records the loopback traffic. For every connection it takes
the time from the request's first data packet reaching the service's port to the response's first
data packet, and prints the percentiles of refusals (503) and served photos (200) per round.
Client-side times would add the load generator's own waiting for a core, which on a small machine
is most of what it reports. After each round it prints the service's CPU time while `hey` ran, by
kind of thread, from /proc.

    deploy/attacks/burst.py [--service src/FaceApi/bin/Release/net10.0/FaceApi.dll]
                            [--count 200] [--rounds 2] [--pause 3] [--warm-up 10] [--generator-nice 0]
                            [--flood SECONDS] [--flood-clients 32]

On a small machine the load generator shares the service's cores: in a perf profile of a 200-photo
burst on two cores, `hey` used 40-50 % of both cores' time in the burst's first 160 ms. With
--generator-nice 19 it runs at the lowest priority and takes what the service leaves, which is closer
to a generator on another machine.

Needs `hey` and `tcpdump` (apt-get install tcpdump; capturing needs root or CAP_NET_RAW).
"""
import argparse
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time

from replay import FAMILY, ROOT, Service

BOUNDARY = "FaceApiBurstBoundary"


def multipart_photo(path):
    with open(path, "wb") as body:
        body.write(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="family.jpg"\r\n'
                   "Content-Type: image/jpeg\r\n\r\n".encode() + FAMILY + f"\r\n--{BOUNDARY}--\r\n".encode())


def hey(port, body, amount, concurrency, niceness=0):
    """Posts the photo, concurrency at once: amount times (["-n", N]) or for a time (["-z", "16s"]);
    returns hey's status and error counts."""
    report = subprocess.run(["nice", "-n", str(niceness), "hey", *amount, "-c", str(concurrency), "-m", "POST",
                             "-T", f"multipart/form-data; boundary={BOUNDARY}", "-D", body,
                             f"http://127.0.0.1:{port}/embed"], check=True, capture_output=True, text=True).stdout
    tail = report[report.find("Status code distribution"):] if "Status code distribution" in report else ""
    return " ".join(line.strip() for line in tail.splitlines()[1:] if line.strip().startswith("["))


def request_times(pcap, port):
    """Every request in the capture: (its first packet's time, its answer's first packet's time or None, status).

    A request starts with a client packet that opens with an HTTP method, an answer with a server packet
    that opens with the status line; on a connection the load generator reused, answers pair with
    requests in order. Packets that continue a body (a refusal can come before the body has all been
    sent) open with neither.
    """
    with open(pcap, "rb") as capture:
        magic, _, _, _, _, _, link = struct.unpack("<IHHiIII", capture.read(24))
        nanoseconds = magic == 0xA1B23C4D
        header = {1: 14, 113: 16, 276: 20}[link]  # Ethernet, Linux cooked v1 and v2 (pcap-linktype(7))
        pending, requests = {}, []
        while len(record := capture.read(16)) == 16:
            seconds, fraction, length, _ = struct.unpack("<IIII", record)
            frame = capture.read(length)
            at = seconds + fraction / (1e9 if nanoseconds else 1e6)
            ip = frame[header:]
            if len(ip) < 20 or ip[0] >> 4 != 4:
                continue
            tcp = ip[(ip[0] & 15) * 4:]
            source, destination = struct.unpack(">HH", tcp[:4])
            payload = tcp[(tcp[12] >> 4) * 4:]
            if destination == port and payload.startswith((b"POST ", b"GET ")):
                request = [at, None, None]
                requests.append(request)
                pending.setdefault(source, []).append(request)
            elif source == port and payload.startswith(b"HTTP/1.1 ") and pending.get(destination):
                pending[destination].pop(0)[1:] = [at, payload[9:12].decode("latin1")]
        return requests


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(fraction * len(ordered) + 0.999) - 1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--service", default=os.path.join(ROOT, "src/FaceApi/bin/Release/net10.0/FaceApi.dll"))
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--pause", type=float, default=3)
    parser.add_argument("--warm-up", type=int, default=10)
    parser.add_argument("--generator-nice", type=int, default=0, choices=range(20), metavar="0-19",
                        help="nice steps the bursts' and the flood's hey run below this script")
    parser.add_argument("--flood", type=float, default=0, metavar="SECONDS",
                        help="after the rounds, --flood-clients clients re-send the photo at once for this long: "
                             "how many photos are served while most are refused")
    parser.add_argument("--flood-clients", type=int, default=32)
    args = parser.parse_args()

    service = Service(args.service)
    work = tempfile.mkdtemp(prefix="faceapi-burst-")
    body, pcap = os.path.join(work, "photo.multipart"), os.path.join(work, "burst.pcap")
    multipart_photo(body)
    try:
        if not service.wait_ready(120):
            sys.exit("the service did not become ready:\n" + service.log_text()[-2000:])
        hey(service.port, body, ["-n", str(args.warm_up)], 1)
        for round_number in range(1, args.rounds + 1):
            time.sleep(args.pause)
            capture = subprocess.Popen(["tcpdump", "-i", "lo", "-s", "128", "-B", "65536", "-w", pcap, f"tcp port {service.port}"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            time.sleep(1)  # tcpdump is capturing once it has opened the interface
            threads_before = service.cpu_seconds_by_thread()
            client_saw = hey(service.port, body, ["-n", str(args.count)], args.count, args.generator_nice)
            threads_used = service.cpu_seconds_by_thread() - threads_before
            # tcpdump, starved of a core during the burst, may still be reading the kernel's buffer: give it time.
            time.sleep(2)
            capture.send_signal(signal.SIGINT)
            dropped = [line for line in capture.communicate()[1].splitlines() if "dropped" in line]
            by_status, unanswered = {}, 0
            requests = request_times(pcap, service.port)
            for arrived, answered, status in requests:
                if answered is None:
                    unanswered += 1
                else:
                    by_status.setdefault(status, []).append((answered - arrived) * 1000)
            summary = " | ".join(
                f"{status}: {len(times)}, p50 {percentile(times, .5):.0f} p99 {percentile(times, .99):.0f} max {max(times):.0f} ms"
                for status, times in sorted(by_status.items()))
            # A request the capture missed (dropped packets) is missing from the figures: say how many were seen.
            print(f"round {round_number}: {summary} | requests captured {len(requests)} of {args.count}, "
                  f"answer not captured {unanswered} | tcpdump: {'; '.join(dropped)} | hey: {client_saw}", flush=True)
            # Who had the cores while hey ran: the compute threads, the request threads (".NET TP Worker",
            # ".NET Sockets"), and the runtime's own (tiered compilation, the collector).
            print("  service CPU-seconds by thread: " + ", ".join(
                f"{name} {seconds:.2f}" for name, seconds in threads_used.most_common() if seconds > 0), flush=True)
        if args.flood:
            time.sleep(args.pause)
            flooded = hey(service.port, body, ["-z", f"{args.flood:g}s"], args.flood_clients, args.generator_nice)
            print(f"flood: {args.flood_clients} clients for {args.flood:g} s | hey: {flooded}", flush=True)
        errors = [line for line in service.log_text().splitlines() if " ERR] " in line or " FTL] " in line]
        print(f"error log lines: {len(errors)}")
    finally:
        service.stop()


if __name__ == "__main__":
    main()
