// The classroom-scale performance scenario: Play the reference class cluster (6 brokers,
// 36 partitions RF 3, 3 producers, 8 consumers) at 10x and 100x in headless Chromium and print
// frame times (p50/p95/max), long tasks, the stage's DOM nodes and the speed achieved. It
// measures and prints; it asserts nothing about time (machines differ).
//
// With --seek N it instead opens the same run at step N (a share link) and times 15 seeks to
// random steps along the timeline slider, from the slider's input event to the stage showing
// that step, each split into the session's replay, building and rendering the view, and the
// wait for the next frame.
//
//   node tests/e2e/perf.mjs [--dist DIR] [--seconds S] [--seek N] [--json]

import { chromium } from "playwright-core";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve, chromiumPath, launchArgs, argValue } from "./harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const dist = path.resolve(argValue("--dist") ?? path.join(here, "..", "..", "dist"));
const seconds = Number(argValue("--seconds") ?? 6);
const seekSteps = argValue("--seek") ? Number(argValue("--seek")) : 0;

// The sandbox lesson without its beats, so Play runs without pausing for a question.
const lesson = JSON.parse(fs.readFileSync(path.join(here, "..", "..", "src", "lesson", "builtin", "classroom-scale.json"), "utf8"));
delete lesson.beats;
const linkAt = (step) => "#run=" + Buffer.from(JSON.stringify({ lesson: { custom: JSON.stringify(lesson) }, seed: lesson.seed, step, commands: [] })).toString("base64url");
const link = linkAt(0);

function percentile(sorted, p) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(page, speedIndex, label) {
  await page.selectOption("#speed", String(speedIndex));
  const simBefore = await page.evaluate(() => parseFloat(document.querySelector("#sim-time").textContent));
  await page.evaluate(() => {
    window.__frames = [];
    window.__long = [];
    const obs = new PerformanceObserver((list) => list.getEntries().forEach((e) => window.__long.push(e.duration)));
    obs.observe({ entryTypes: ["longtask"] });
    window.__obs = obs;
    let last = performance.now();
    const tick = (now) => {
      window.__frames.push(now - last);
      last = now;
      if (window.__measuring) requestAnimationFrame(tick);
    };
    window.__measuring = true;
    requestAnimationFrame(tick);
  });
  await page.click("#play");
  await page.waitForTimeout(seconds * 1000);
  await page.click("#play");
  const result = await page.evaluate(() => {
    window.__measuring = false;
    window.__obs.disconnect();
    return { frames: window.__frames.slice(1), long: window.__long, nodes: document.querySelectorAll(".stage *").length, all: document.querySelectorAll("*").length };
  });
  const simAfter = await page.evaluate(() => parseFloat(document.querySelector("#sim-time").textContent));
  const sorted = [...result.frames].sort((a, b) => a - b);
  const row = {
    label,
    frames: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted[sorted.length - 1] ?? 0,
    // Intervals longer than one and a half vsyncs: the frames the eye sees stutter.
    missed: sorted.filter((f) => f > 25).length,
    longTasks: result.long.length,
    longTaskMs: result.long.reduce((a, b) => a + b, 0),
    stageNodes: result.nodes,
    pageNodes: result.all,
    achieved: (simAfter - simBefore) / seconds,
  };
  return row;
}

// Seeks along the timeline slider of a run opened at step `steps`: wall time from the input
// event to the step counter showing the target (one rendered frame included).
async function measureSeeks(page, steps) {
  const opened = Date.now();
  await page.waitForFunction((n) => document.querySelector(".step-no")?.textContent === `step ${n}`, steps, { timeout: 600000, polling: 500 });
  const openSeconds = (Date.now() - opened) / 1000;
  let x = 12345;
  const targets = [];
  for (let i = 0; i < 15; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    targets.push(Math.floor((x / 2147483648) * steps));
  }
  // Each seek in three parts: the session's replay (the web build leaves how long
  // `Session::apply` took on window.__kcSeekApplyMs), building the view and Yew's render up to
  // the step counter changing in the DOM, and the wait for the next frame after that.
  const rows = [];
  for (const target of targets) {
    rows.push(
      await page.evaluate(
        (t) =>
          new Promise((resolve) => {
            const slider = document.querySelector("#timeline");
            const shown = () => document.querySelector(".step-no")?.textContent === `step ${t}`;
            let dom = 0;
            const mo = new MutationObserver(() => {
              if (!dom && shown()) dom = performance.now();
            });
            mo.observe(document.body, { subtree: true, childList: true, characterData: true });
            window.__kcSeekApplyMs = undefined;
            const start = performance.now();
            slider.value = String(t);
            slider.dispatchEvent(new Event("input", { bubbles: true }));
            const poll = () => {
              if (!shown()) return requestAnimationFrame(poll);
              const end = performance.now();
              mo.disconnect();
              const seen = dom || end;
              const replay = window.__kcSeekApplyMs ?? NaN;
              resolve({ total: end - start, replay, draw: seen - start - replay, frame: end - seen });
            };
            poll();
          }),
        target,
      ),
    );
  }
  const part = (key) => {
    const sorted = rows.map((r) => r[key]).sort((a, b) => a - b);
    return { median: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted[sorted.length - 1] };
  };
  const total = part("total");
  return { steps, openSeconds, seeks: rows.length, ...total, replay: part("replay"), draw: part("draw"), frame: part("frame") };
}

async function main() {
  const server = await serve(dist);
  const base = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: launchArgs });
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  if (seekSteps) {
    await page.goto(base + linkAt(seekSteps));
    const r = await measureSeeks(page, seekSteps);
    await browser.close();
    server.close();
    if (args.includes("--json")) console.log(JSON.stringify(r));
    else {
      console.log(`classroom-scale run opened at step ${r.steps} in ${r.openSeconds.toFixed(1)} s; ${r.seeks} seeks: median ${r.median.toFixed(0)} ms, p95 ${r.p95.toFixed(0)} ms, max ${r.max.toFixed(0)} ms`);
      const line = (label, p) => console.log(`  ${label.padEnd(40)} median ${p.median.toFixed(1)} ms, p95 ${p.p95.toFixed(1)} ms, max ${p.max.toFixed(1)} ms`);
      line("replay (Session::apply)", r.replay);
      line("view + render (until the DOM shows it)", r.draw);
      line("to the next frame", r.frame);
    }
    if (errors.length) {
      console.error("console errors:\n" + errors.join("\n"));
      process.exit(1);
    }
    return;
  }
  await page.goto(base + link);
  await page.waitForSelector(".stage .prow", { timeout: 30000 });
  await page.waitForTimeout(500);
  const rows = [];
  rows.push(await measure(page, 6, "Play 10x"));
  rows.push(await measure(page, 8, "Play 100x"));
  await browser.close();
  server.close();
  if (args.includes("--json")) {
    console.log(JSON.stringify(rows));
  } else {
    console.log("classroom-scale at 1280x720, " + seconds + " s of wall time each:");
    for (const r of rows) {
      console.log(
        `  ${r.label.padEnd(10)} frames ${String(r.frames).padStart(4)}  p50 ${r.p50.toFixed(1)} ms  p95 ${r.p95.toFixed(1)} ms  max ${r.max.toFixed(1)} ms  missed ${r.missed} (${((100 * r.missed) / Math.max(1, r.frames)).toFixed(1)}%)  ` +
          `long tasks ${r.longTasks} (${r.longTaskMs.toFixed(0)} ms)  stage DOM nodes ${r.stageNodes} (page ${r.pageNodes})  achieved ${r.achieved.toFixed(1)}x`,
      );
    }
  }
  if (errors.length) {
    console.error("console errors:\n" + errors.join("\n"));
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
