// In-sandbox Lambda runtime for Node.js handlers: load module.function, run invocations.
// Same channel as bootstrap.py: one JSON message a line over the runtime socket; console
// output is shipped as log lines. No AWS SDK for JavaScript is installed in the sandbox.
"use strict";
const net = require("net");
const path = require("path");

const RT_SOCKET = "/codebuild/pa/lambda/rt/runtime.sock";
const TASK_DIR = "/var/task";
const MAX_LINE = 8192;
const sock = net.createConnection(RT_SOCKET);

function send(message) {
  sock.write(JSON.stringify(message) + "\n");
}

let pending = "";
function capture(chunk) {
  pending += String(chunk);
  let index;
  while ((index = pending.indexOf("\n")) >= 0) {
    send({ t: "log", line: pending.slice(0, index).slice(0, MAX_LINE) });
    pending = pending.slice(index + 1);
  }
  return true;
}
function flush() {
  if (pending) {
    send({ t: "log", line: pending.slice(0, MAX_LINE) });
    pending = "";
  }
}
process.stdout.write = capture;
process.stderr.write = capture;

function errorOf(err) {
  const e = err instanceof Error ? err : new Error(String(err));
  return { type: e.name || "Error", message: e.message || String(err) };
}

let handler = null;
sock.on("connect", () => {
  const spec = process.env._HANDLER || "";
  const dot = spec.lastIndexOf(".");
  try {
    if (dot <= 0) throw new Error(`Bad handler '${spec}': use module.function`);
    const mod = require(path.join(TASK_DIR, spec.slice(0, dot)));
    handler = mod[spec.slice(dot + 1)];
    if (typeof handler !== "function") {
      throw new Error(`${spec.slice(dot + 1)} is undefined or not exported`);
    }
  } catch (err) {
    flush();
    send({ t: "init_error", ...errorOf(err) });
    sock.end();
    return;
  }
  send({ t: "ready" });
});

let buffer = "";
sock.on("data", async (data) => {
  buffer += data.toString();
  let index;
  while ((index = buffer.indexOf("\n")) >= 0) {
    const message = JSON.parse(buffer.slice(0, index));
    buffer = buffer.slice(index + 1);
    await runOne(message);
  }
});

async function runOne(message) {
  const facts = message.context;
  const deadline = Date.now() + message.timeout * 1000;
  const context = {
    functionName: facts.function_name,
    functionVersion: facts.function_version,
    invokedFunctionArn: facts.invoked_function_arn,
    memoryLimitInMB: String(facts.memory_limit_in_mb),
    awsRequestId: facts.aws_request_id,
    logGroupName: facts.log_group_name,
    logStreamName: facts.log_stream_name,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  console.log(`START RequestId: ${context.awsRequestId} Version: ${context.functionVersion}`);
  let out;
  try {
    const value = await new Promise((resolve, reject) => {
      const callback = (err, result) => (err ? reject(err) : resolve(result));
      const returned = handler(message.event, context, callback);
      if (returned && typeof returned.then === "function") returned.then(resolve, reject);
    });
    out = { t: "result", ok: true, value: value === undefined ? null : JSON.parse(JSON.stringify(value)) };
  } catch (err) {
    out = { t: "result", ok: false, ...errorOf(err) };
    console.error(`ERROR ${out.type}: ${out.message}`);
  }
  console.log(`END RequestId: ${context.awsRequestId}`);
  flush();
  send(out);
}
