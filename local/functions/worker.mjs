// One Lambda execution environment: loads the function's bundle once, then runs one invocation at a time.
import { parentPort, workerData } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import { installRouting } from "./routing.mjs";

installRouting(workerData.routes);
silenceRuntimeVersionNotice();

// Lambda runs nodejs22.x, where the AWS SDK has nothing to warn about; locally on Node 20 it warns once per environment.
function silenceRuntimeVersionNotice() {
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = (warning, ...rest) => {
    if (String(warning?.message ?? warning).startsWith("NodeVersionSupportWarning")) return;
    emitWarning(warning, ...rest);
  };
}

const [moduleName, handlerName] = workerData.handler.split(".");
let handler;
try {
  const module = await import(pathToFileURL(`${workerData.bundleDir}/${moduleName}.mjs`).href);
  handler = module[handlerName];
  if (typeof handler !== "function") throw new Error(`${workerData.handler} is not a function exported by the bundle`);
  parentPort.postMessage({ type: "ready" });
} catch (error) {
  parentPort.postMessage({ type: "init-error", error: describe(error, "Runtime.ImportModuleError") });
}

function describe(error, fallbackType) {
  return {
    errorType: error?.name && error.name !== "Error" ? error.name : fallbackType,
    errorMessage: String(error?.message ?? error),
    trace: String(error?.stack ?? "").split("\n"),
  };
}

parentPort.on("message", async ({ id, event, context }) => {
  const deadline = context.deadline;
  const lambdaContext = {
    ...context,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  try {
    const result = await handler(event, lambdaContext);
    parentPort.postMessage({ type: "result", id, ok: true, result: result === undefined ? null : result });
  } catch (error) {
    parentPort.postMessage({ type: "result", id, ok: false, error: describe(error, "Error") });
  }
});
