// The tuning lab (2 x 1,000,000 records) in the web build's own wasm, run by Node's V8 on this
// thread: the same `lab_worker_run` export the page's Web Worker calls (src/ui/lab_worker.rs),
// given a stand-in for the worker's global scope. It prints the wall time and the CPU time;
// the CPU time barely moves when other work shares the cores, so it compares builds (opt-levels,
// engine changes) on a busy machine where the browser's wall time cannot. It measures and
// prints; it asserts nothing about time.
//
//   node tests/e2e/wasm-lab.mjs [--dist DIR]

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { argValue } from "./harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(argValue("--dist") ?? path.join(here, "..", "..", "dist"));
const files = fs.readdirSync(dist);
const wasm = files.find((f) => f.endsWith("_bg.wasm"));
const glue = wasm && files.find((f) => f === wasm.replace(/_bg\.wasm$/, ".js"));
if (!wasm || !glue) {
  console.error(`no web build in ${dist} (run trunk build --release first)`);
  process.exit(1);
}

// `lab_worker_run` posts its reports to the worker's global scope; here they land in `reports`.
const reports = [];
globalThis.DedicatedWorkerGlobalScope = { [Symbol.hasInstance]: (o) => o === globalThis };
globalThis.postMessage = (message) => reports.push(message);

const bindings = await import(path.join(dist, glue));
await bindings.default({ module_or_path: fs.readFileSync(path.join(dist, wasm)) });
const started = performance.now();
const cpu = process.cpuUsage();
bindings.lab_worker_run(JSON.stringify({ lesson: { builtin: "tuning-lab" }, seed: 12 }));
const wall = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
const last = JSON.parse(reports.at(-1) ?? "{}");
if (!last.Status || last.Status.progress !== last.Status.total_records) {
  console.error(`the lab did not finish: ${String(reports.at(-1)).slice(0, 300)}`);
  process.exit(1);
}
console.log(
  `wasm lab in Node: wall time ${wall.toFixed(2)} s, cpu time ${((used.user + used.system) / 1e6).toFixed(2)} s ` +
    `for ${last.Status.total_records} records (${reports.length} progress reports)`,
);
