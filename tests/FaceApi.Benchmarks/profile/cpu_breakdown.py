#!/usr/bin/env python3
"""Where a FaceApi process's CPU went, from a `perf record -g` of it: every sample is put in the first
bucket below whose thread name or call stack matches, so the shares add up to 100 %.

    perf record -F 499 -g -p PID -o service.data -- sleep 15     # service started with DOTNET_PerfMapEnabled=1
    tests/FaceApi.Benchmarks/profile/cpu_breakdown.py service.data [MS_PER_REQUEST]

With MS_PER_REQUEST (service CPU per request over the same window) each share is also given in
milliseconds per request. DOTNET_EnableWriteXorExecute=0 lets perf name JIT-compiled frames; without
it they show as memfd:doublemapper and land in "other". Only the standard library is used.
"""
import collections
import re
import subprocess
import sys

# (bucket, pattern on the thread name, pattern on the stack); first match wins, so order matters:
# threads of their own first, then the request path's stages from the most specific frame outwards.
BUCKETS = [
    ("garbage collector threads", r"^\.NET (Server GC|BGC)", None),
    ("JIT (tiered compilation thread)", r"^\.NET Tiered", None),
    ("log writing (Serilog's async sink thread)", r"^\.NET Long Runni", None),
    ("inference thread (batch, tensor fill, model run, normalise, completions)", r"^faceapi-inferen", None),
    ("image decoding", None, r"ImageDecoder::|PngDecoder|PngFastDecoder|PngScanline|ImageSharp"),
    ("JSON response", None, r"WriteAsJsonAsync|System\.Text\.Json|WriteResultAsJson"),
    ("upload reading and parsing (body, multipart)", None, r"FaceApi\.Uploads|MultipartReader|MultipartUpload"),
    ("request log event (Serilog, on the request thread)", None, r"Serilog"),
    ("metrics (prometheus-net, .NET meters)", None, r"Prometheus|MeterAdapter|System\.Diagnostics\.Metrics"),
    ("batcher hand-off on the request side", None, r"EmbeddingBatcher|FacePipeline|FaceAligner"),
    ("endpoint, auth, admission, routing, rate limiter", None, r"FaceApi\.|Routing|RateLimiting"),
    ("Kestrel HTTP/1.1, sockets, pipes", None, r"Kestrel|System\.Net\.Sockets|System\.IO\.Pipelines|SocketAsync"),
]
OTHER = "other (thread-pool dispatch, runtime, kernel)"


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    ms_per_request = float(sys.argv[2]) if len(sys.argv) == 3 else None
    script = subprocess.run(["perf", "script", "-i", sys.argv[1], "-F", "comm,ip,sym,dso"],
                            capture_output=True, text=True, check=True).stdout
    counts, total = collections.Counter(), 0
    for sample in script.split("\n\n"):
        lines = [line for line in sample.strip().split("\n") if line.strip()]
        if not lines:
            continue
        total += 1
        thread, stack = lines[0].strip(), "\n".join(lines[1:])
        bucket = next((name for name, on_thread, on_stack in BUCKETS
                       if (on_thread and re.search(on_thread, thread)) or (on_stack and re.search(on_stack, stack))), OTHER)
        counts[bucket] += 1
    for bucket, count in counts.most_common():
        share = count / total
        ms = f"{share * ms_per_request:6.3f} ms  " if ms_per_request else ""
        print(f"{100 * share:5.1f} %  {ms}{bucket}")
    print(f"{total} samples")


if __name__ == "__main__":
    main()
