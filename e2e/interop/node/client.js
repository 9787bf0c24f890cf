'use strict';
// A proxyless gRPC client on grpc-js and @grpc/grpc-js-xds, driven by the
// end-to-end tests (e2e/interop_test.go). It reads the xDS bootstrap from
// GRPC_XDS_BOOTSTRAP or GRPC_XDS_BOOTSTRAP_CONFIG, then one JSON request a
// line on stdin, and writes one JSON result a line on stdout. A request:
//
//   {"target": "reviews.default:9080", "n": 100, "metadata": {"x-canary": "canary"},
//    "uniqueHeader": "x-request-key", "deadlineMs": 5000, "stopAfterErrors": 3}
//
// makes n sequential grpc.testing.TestService/UnaryCall calls (fewer when
// stopAfterErrors of them failed) to
// xds:///TARGET (one channel per target, kept for the process's life) and
// answers {"ids": {SERVER_ID: COUNT}, "errors": {CODE: COUNT},
// "firstError": "CODE: details", "maxMs": N, "minMs": N}. The request and
// response are raw protobuf bytes: an empty SimpleRequest, and the
// SimpleResponse's server_id read by hand, so no code is generated. With
// "connectOnly": true it makes no call: it asks the channel to connect,
// which fetches the target's configuration, and answers {"state": STATE}
// once READY or at the deadline.

const readline = require('node:readline');
const grpc = require('@grpc/grpc-js');
const xds = require('@grpc/grpc-js-xds');

const METHOD = '/grpc.testing.TestService/UnaryCall';
const SERVER_ID_FIELD = 4; // grpc.testing.SimpleResponse.server_id

xds.register();

const codeNames = Object.fromEntries(Object.entries(grpc.status).map(([name, code]) => [code, name]));
const clients = new Map();

function clientFor(target) {
  if (!clients.has(target)) {
    clients.set(target, new grpc.Client('xds:///' + target, grpc.credentials.createInsecure()));
  }
  return clients.get(target);
}

// readVarint returns [value, next offset] of the varint at buf[off].
function readVarint(buf, off) {
  let value = 0;
  for (let shift = 0; off < buf.length; shift += 7) {
    const b = buf[off++];
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) {
      return [value, off];
    }
  }
  throw new Error('truncated varint');
}

// serverId reads SimpleResponse.server_id, skipping every other field.
function serverId(buf) {
  let id = '';
  for (let off = 0; off < buf.length;) {
    let key;
    [key, off] = readVarint(buf, off);
    const field = Math.floor(key / 8);
    switch (key & 7) {
      case 0: off = readVarint(buf, off)[1]; break;
      case 1: off += 8; break;
      case 5: off += 4; break;
      case 2: {
        let len;
        [len, off] = readVarint(buf, off);
        if (field === SERVER_ID_FIELD) {
          id = buf.toString('utf8', off, off + len);
        }
        off += len;
        break;
      }
      default: throw new Error('unsupported wire type ' + (key & 7));
    }
  }
  return id;
}

function callOnce(client, req, i) {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(req.metadata || {})) {
    md.set(k, v);
  }
  if (req.uniqueHeader) {
    md.set(req.uniqueHeader, `${process.pid}-${Date.now()}-${i}`);
  }
  const start = process.hrtime.bigint();
  const options = { deadline: Date.now() + (req.deadlineMs || 5000), waitForReady: req.waitForReady !== false };
  return new Promise((resolve) => {
    client.makeUnaryRequest(METHOD, (b) => b, (b) => b, Buffer.alloc(0), md, options, (err, resp) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (err) {
        resolve({ ms, code: codeNames[err.code] || String(err.code), details: err.details });
      } else {
        resolve({ ms, id: serverId(resp) });
      }
    });
  });
}

// connect asks the channel to connect and resolves to its state once
// READY, or at the deadline.
function connect(client, deadlineMs) {
  const channel = client.getChannel();
  const deadline = Date.now() + deadlineMs;
  return new Promise((resolve) => {
    const check = () => {
      const state = channel.getConnectivityState(true);
      if (state === grpc.connectivityState.READY || Date.now() >= deadline) {
        resolve(grpc.connectivityState[state]);
        return;
      }
      channel.watchConnectivityState(state, deadline, check);
    };
    check();
  });
}

async function handle(req) {
  const out = { ids: {}, errors: {}, firstError: '', maxMs: 0, minMs: 0 };
  const client = clientFor(req.target);
  if (req.connectOnly) {
    out.state = await connect(client, req.deadlineMs || 5000);
    return out;
  }
  for (let i = 0; i < (req.n || 1); i++) {
    const r = await callOnce(client, req, i);
    out.maxMs = Math.max(out.maxMs, r.ms);
    out.minMs = i === 0 ? r.ms : Math.min(out.minMs, r.ms);
    if (r.code) {
      out.errors[r.code] = (out.errors[r.code] || 0) + 1;
      out.firstError = out.firstError || `${r.code}: ${r.details}`;
      if (req.stopAfterErrors && Object.values(out.errors).reduce((a, b) => a + b) >= req.stopAfterErrors) {
        break;
      }
    } else {
      out.ids[r.id] = (out.ids[r.id] || 0) + 1;
    }
  }
  return out;
}

function version(pkg) {
  return require(`${pkg}/package.json`).version;
}

async function main() {
  const hello = { stack: 'grpc-js', version: version('@grpc/grpc-js'), xds: version('@grpc/grpc-js-xds'), node: process.version };
  process.stdout.write(JSON.stringify({ hello }) + '\n');
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) {
      continue;
    }
    let result;
    try {
      result = await handle(JSON.parse(line));
    } catch (e) {
      result = { failure: String(e && e.stack || e) };
    }
    process.stdout.write(JSON.stringify(result) + '\n');
  }
  for (const c of clients.values()) {
    c.close();
  }
  process.exit(0);
}

main();
