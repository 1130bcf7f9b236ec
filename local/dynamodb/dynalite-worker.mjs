// dynalite in a worker thread of its own: its request handling (JSON, expressions, LevelDB) runs beside the gateway's
// event loop instead of on it. The parent learns the port, and asks it to close.
import { parentPort, workerData } from "node:worker_threads";
import dynalite from "dynalite";

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(workerData.path ? { path: workerData.path } : {}) });
server.once("error", (error) => parentPort.postMessage({ error: error.message }));
server.listen(workerData.port, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }));
parentPort.on("message", (message) => {
  if (message === "close") server.close(() => parentPort.postMessage({ closed: true }));
});
