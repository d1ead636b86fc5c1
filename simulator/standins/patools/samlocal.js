// `sam local invoke` runtime for Node.js handlers (one process per invocation, in the sandbox).
// Started as `node samlocal.js CODE HANDLER EVENT_FILE RESULT_FD`; loads CODE/<module>(.js|.mjs|.cjs),
// calls the exported handler (async, or with a callback) and writes the outcome as JSON to
// RESULT_FD. There is no AWS SDK for JavaScript in the simulator: handlers that need one fail.
"use strict";
const fs = require("fs");
const path = require("path");
const { pathToFileURL } = require("url");

const [code, handlerName, eventFile, resultFd] = process.argv.slice(2);

function report(data) {
  fs.writeSync(Number(resultFd), JSON.stringify(data));
  process.exit(0);
}

function errorOf(err, type) {
  return {
    errorType: type || (err && err.name) || "Error",
    errorMessage: err && err.message !== undefined ? String(err.message) : String(err),
    requestId: process.env.PA_REQUEST_ID || "",
    stackTrace: err && err.stack ? String(err.stack).split("\n").slice(1) : [],
  };
}

async function main() {
  const dot = handlerName.lastIndexOf(".");
  if (dot <= 0) {
    report({ error: errorOf(new Error(`Bad handler ${handlerName}`), "Runtime.MalformedHandlerName") });
  }
  const modulePath = handlerName.slice(0, dot);
  const fnName = handlerName.slice(dot + 1);
  let event;
  try {
    event = JSON.parse(fs.readFileSync(eventFile, "utf8"));
  } catch (err) {
    report({ error: errorOf(err, "Invalid") });
  }
  const base = path.join(code, modulePath);
  const file = [".js", ".mjs", ".cjs"].map((ext) => base + ext).find((f) => fs.existsSync(f));
  if (!file) {
    report({ error: errorOf(new Error(`Cannot find module '${modulePath}'`), "Runtime.ImportModuleError") });
  }
  let mod;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (err) {
    report({ error: errorOf(err, "Runtime.ImportModuleError") });
  }
  const handler = (mod && mod[fnName]) || (mod && mod.default && mod.default[fnName]);
  if (typeof handler !== "function") {
    report({ error: errorOf(new Error(`${modulePath}.${fnName} is undefined or not exported`), "Runtime.HandlerNotFound") });
  }
  const timeout = Number(process.env.PA_TIMEOUT || "3");
  const deadline = Date.now() + timeout * 1000;
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME || "",
    functionVersion: "$LATEST",
    invokedFunctionArn: process.env.PA_FUNCTION_ARN || "",
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE || "128",
    awsRequestId: process.env.PA_REQUEST_ID || "",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await new Promise((resolve, reject) => {
      const maybe = handler(event, context, (err, value) => (err ? reject(err) : resolve(value)));
      if (maybe && typeof maybe.then === "function") maybe.then(resolve, reject);
    });
    report({ result: result === undefined ? null : result });
  } catch (err) {
    report({ error: errorOf(err) });
  }
}

main();
