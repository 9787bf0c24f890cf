"""A proxyless gRPC client on gRPC C-core (Python's grpcio), driven by the
end-to-end tests (e2e/interop_test.go).

It reads the xDS bootstrap from GRPC_XDS_BOOTSTRAP or
GRPC_XDS_BOOTSTRAP_CONFIG, then one JSON request a line on stdin, and writes
one JSON result a line on stdout. A request:

  {"target": "reviews.default:9080", "n": 100, "metadata": {"x-canary": "canary"},
   "uniqueHeader": "x-request-key", "deadlineMs": 5000, "stopAfterErrors": 3}

makes n sequential grpc.testing.TestService/UnaryCall calls (fewer when
stopAfterErrors of them failed) to
xds:///TARGET (one channel per target, kept for the process's life) and
answers {"ids": {SERVER_ID: COUNT}, "errors": {CODE: COUNT}, "firstError":
"CODE: details", "maxMs": N, "minMs": N}. The request and response are raw
protobuf bytes: an empty SimpleRequest, and the SimpleResponse's server_id
read by hand, so no code is generated and only grpcio is needed. With
"connectOnly": true it makes no call: it asks the channel to connect, which
fetches the target's configuration, and answers {"state": STATE} once READY
or at the deadline.
"""

import json
import os
import sys
import time

import grpc

METHOD = "/grpc.testing.TestService/UnaryCall"
SERVER_ID_FIELD = 4  # grpc.testing.SimpleResponse.server_id

_channels = {}


def channel_for(target):
    if target not in _channels:
        channel = grpc.insecure_channel("xds:///" + target)
        _channels[target] = (channel, channel.unary_unary(METHOD))
    return _channels[target]


def connect(channel, deadline_ms):
    """Asks the channel to connect; returns READY, or the last state seen
    at the deadline."""
    states = []
    record = states.append
    channel.subscribe(record, try_to_connect=True)
    try:
        grpc.channel_ready_future(channel).result(timeout=deadline_ms / 1000.0)
        return "READY"
    except grpc.FutureTimeoutError:
        return states[-1].name if states else "UNKNOWN"
    finally:
        channel.unsubscribe(record)


def read_varint(buf, off):
    value, shift = 0, 0
    while off < len(buf):
        b = buf[off]
        off += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, off
        shift += 7
    raise ValueError("truncated varint")


def server_id(buf):
    """Reads SimpleResponse.server_id, skipping every other field."""
    found, off = "", 0
    while off < len(buf):
        key, off = read_varint(buf, off)
        wire = key & 7
        if wire == 0:
            off = read_varint(buf, off)[1]
        elif wire == 1:
            off += 8
        elif wire == 5:
            off += 4
        elif wire == 2:
            length, off = read_varint(buf, off)
            if key >> 3 == SERVER_ID_FIELD:
                found = buf[off:off + length].decode("utf-8")
            off += length
        else:
            raise ValueError("unsupported wire type %d" % wire)
    return found


def call_once(stub, req, i):
    md = [(k, v) for k, v in (req.get("metadata") or {}).items()]
    if req.get("uniqueHeader"):
        md.append((req["uniqueHeader"], "%d-%d-%d" % (os.getpid(), time.monotonic_ns(), i)))
    start = time.monotonic()
    try:
        resp = stub(b"", timeout=req.get("deadlineMs", 5000) / 1000.0, metadata=md,
                    wait_for_ready=req.get("waitForReady", True))
        return (time.monotonic() - start) * 1000, server_id(resp), None
    except grpc.RpcError as err:
        return (time.monotonic() - start) * 1000, None, "%s: %s" % (err.code().name, err.details())


def handle(req):
    out = {"ids": {}, "errors": {}, "firstError": "", "maxMs": 0, "minMs": 0}
    channel, stub = channel_for(req["target"])
    if req.get("connectOnly"):
        out["state"] = connect(channel, req.get("deadlineMs", 5000))
        return out
    for i in range(req.get("n", 1)):
        ms, sid, err = call_once(stub, req, i)
        out["maxMs"] = max(out["maxMs"], ms)
        out["minMs"] = ms if i == 0 else min(out["minMs"], ms)
        if err is not None:
            code = err.split(":", 1)[0]
            out["errors"][code] = out["errors"].get(code, 0) + 1
            out["firstError"] = out["firstError"] or err
            if req.get("stopAfterErrors") and sum(out["errors"].values()) >= req["stopAfterErrors"]:
                break
        else:
            out["ids"][sid] = out["ids"].get(sid, 0) + 1
    return out


def main():
    hello = {"stack": "grpc-python", "version": grpc.__version__, "python": sys.version.split()[0]}
    print(json.dumps({"hello": hello}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            result = handle(json.loads(line))
        except Exception as e:  # reported to the test, which fails on it
            result = {"failure": repr(e)}
        print(json.dumps(result), flush=True)
    for channel, _ in _channels.values():
        channel.close()


if __name__ == "__main__":
    main()
