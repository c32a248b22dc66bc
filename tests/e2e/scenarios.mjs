// The end-to-end scenarios: what a teacher does in front of a class, checked on screen with real
// clicks and keys. Screenshots land in tests/e2e/artifacts/ to be looked at.

import path from "node:path";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { monkey } from "./monkey.mjs";
import { txnScenarios } from "./txn-scenarios.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

/// A link that opens `lesson` (a built-in id) at `step`, as the Share button makes them.
export function runLink(lesson, seed, step = 0, commands = []) {
  const run = { lesson: { builtin: lesson }, seed, step, commands };
  return "#run=" + Buffer.from(JSON.stringify(run)).toString("base64url");
}

export async function waitForApp(page, base, hash = "") {
  await page.goto(base + hash);
  await page.waitForSelector("#step", { timeout: 30000 });
  await page.waitForSelector(".stage .prow", { timeout: 30000 });
}

async function openLesson(page, id) {
  await page.click("#open-catalogue");
  await page.click(`#lesson-${id}`);
  await page.waitForSelector("#catalogue", { state: "detached" });
}

async function clickStepUntil(page, selector, maxClicks) {
  for (let i = 0; i < maxClicks; i++) {
    if ((await page.locator(selector).count()) > 0) return i;
    await page.click("#step");
  }
  if ((await page.locator(selector).count()) > 0) return maxClicks;
  throw new Error(`${selector} did not appear after ${maxClicks} steps`);
}

export async function setSpeed(page, index) {
  await page.selectOption("#speed", String(index));
}

/// Go on through the lesson's beats (Continue, answering any question with A) until `done()`.
async function playUntil(page, done, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await done()) return;
    if ((await page.locator("#choice-0:not([disabled])").count()) > 0) await page.click("#choice-0");
    else if ((await page.locator("#continue").count()) > 0) await page.click("#continue");
    else if ((await page.textContent("#play")).includes("Play")) await page.click("#play");
    await page.waitForTimeout(150);
  }
  throw new Error(`the condition did not hold within ${timeoutMs} ms`);
}

/// The broker leading `partition`, from the stage (the replica with the crown).
async function leaderOf(page, partition) {
  const id = await page.$eval(`.rep.leader[id^="r-${partition}-b"]`, (el) => el.id);
  return id.slice(`r-${partition}-`.length);
}

/// Every replica element inside the viewport?
async function replicasInView(page) {
  return page.evaluate(() => {
    const w = window.innerWidth, h = window.innerHeight;
    const reps = [...document.querySelectorAll(".stage .rep")];
    const out = reps.filter((el) => {
      const r = el.getBoundingClientRect();
      return r.width < 4 || r.height < 4 || r.left < 0 || r.top < 0 || r.right > w + 0.5 || r.bottom > h + 0.5;
    });
    return { total: reps.length, outside: out.map((el) => el.id) };
  });
}

async function stageNodes(page) {
  return page.evaluate(() => document.querySelectorAll(".stage *").length);
}

/// Drag the timeline to `step` (as a hand on the slider does: an input event).
async function scrubTo(page, step) {
  await page.$eval("#timeline", (el, n) => {
    el.value = String(n);
    el.dispatchEvent(new Event("input", { bubbles: true }));
  }, step);
  await page.waitForFunction((n) => document.querySelector(".step-no").textContent === `step ${n}`, step);
}

async function stepNo(page) {
  return Number((await page.textContent(".step-no")).replace("step ", ""));
}

/// The branching timeline, by clicks: rewind, crash a broker (a branch starts), switch between
/// the branches at the same step, rename one, and carry the tree through a link and a run file.
/// Type a line into the Console and press Enter; the text of the entry it printed.
async function typeConsoleLine(page, line) {
  const before = await page.$$eval(".console-entry", (els) => els.length);
  await page.fill("#console-input", line);
  await page.press("#console-input", "Enter");
  await page.waitForFunction((n) => document.querySelectorAll(".console-entry").length > n, before);
  return page.$eval(".console-entry:last-child", (el) => el.innerText);
}

/// Type `typed` into the Console, press Tab, and check the input then reads `expected`.
async function expectTab(page, typed, expected, { append = false } = {}) {
  if (append) await page.type("#console-input", typed);
  else await page.fill("#console-input", typed);
  await page.press("#console-input", "Tab");
  const value = await page.inputValue("#console-input");
  if (value !== expected) throw new Error(`Tab gave "${value}"`);
}

async function branchingTimeline(page, { base, artifacts }) {
  await page.setViewportSize({ width: 1280, height: 720 });
  await waitForApp(page, base, runLink("replication-playground", 42, 1500));
  await scrubTo(page, 1000);
  await page.click("#n-b1");
  await page.click('#node-menu .menu-item:has-text("Crash")');
  await page.waitForSelector("#n-b1.down");
  await page.waitForSelector("#branch-count");
  if ((await page.textContent("#branch-count")) !== "2") throw new Error("no second branch");
  if ((await page.locator(".fork-mark").count()) !== 1) throw new Error("no fork mark on the timeline");
  const forkedAt = await stepNo(page);
  await page.click("#branches");
  await page.waitForSelector("#panel-branches");
  const names = await page.$$eval(".branch-name", (els) => els.map((e) => e.textContent));
  if (names[0] !== "Original run" || !/^crash b1 at /.test(names[1])) throw new Error(`branches: ${names}`);
  await page.screenshot({ path: path.join(artifacts, "branches-1280x720.png") });
  // The original run at the same step: b1 is up there.
  await page.click("#branch-0");
  await page.waitForSelector("#n-b1:not(.down)");
  if ((await stepNo(page)) !== forkedAt) throw new Error(`switched to step ${await stepNo(page)}, not ${forkedAt}`);
  await page.click("#branch-1");
  await page.waitForSelector("#n-b1.down");
  // Rename the what-if.
  await page.click("#rename-branch-1");
  await page.fill("#branch-name-1", "What if b1 dies");
  await page.press("#branch-name-1", "Enter");
  await page.waitForFunction(() => document.querySelector("#branch-1 .branch-name")?.textContent === "What if b1 dies");
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.screenshot({ path: path.join(artifacts, "branches-1920x1080.png") });
  // Export the run, then the link: both carry the tree.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-run")]);
  const runFile = path.join(artifacts, "branches-run.json");
  await download.saveAs(runFile);
  const exported = JSON.parse(fs.readFileSync(runFile, "utf8"));
  if (exported.run.branches.length !== 2 || exported.run.branch !== 1) throw new Error("the run file lacks the tree");
  await page.click("#share");
  await page.waitForFunction(() => location.hash.startsWith("#run="));
  const link = await page.evaluate(() => location.hash);
  await waitForApp(page, base + "?fresh=1", link);
  await page.waitForSelector("#n-b1.down");
  if ((await page.textContent("#branch-count")) !== "2") throw new Error("the link lost a branch");
  if ((await stepNo(page)) !== forkedAt) throw new Error("the link opened another step");
  // Import the file into a fresh page with another lesson.
  await waitForApp(page, base);
  await page.click("#branches");
  await page.setInputFiles("#import-run", runFile);
  await page.waitForSelector("#branch-count");
  await page.waitForFunction(() => document.querySelector("#branch-1 .branch-name")?.textContent === "What if b1 dies");
  await page.click("#branch-0");
  await page.waitForSelector("#n-b1:not(.down)");
  // The fork shows on the timeline, clear of the thumb once the run is elsewhere.
  await scrubTo(page, 200);
  const mark = await page.$eval(".fork-mark", (el) => el.getBoundingClientRect().toJSON());
  const track = await page.$eval("#timeline", (el) => el.getBoundingClientRect().toJSON());
  const expected = track.left + 7 + (track.width - 14) * (forkedAt - 1) / 1500;
  if (Math.abs(mark.left + 1 - expected) > 4 || mark.height < 6) throw new Error(`fork mark at ${JSON.stringify(mark)}, expected x≈${expected}`);
  await page.screenshot({ path: path.join(artifacts, "branches-timeline.png"), clip: { x: 0, y: 0, width: 1600, height: 70 } });
  await page.setViewportSize({ width: 1600, height: 1000 });
}

/// Download: one HTML file with the app and the run, opened from disk (file://) with no server.
async function oneFileLesson(page, { base, artifacts }) {
  await page.setViewportSize({ width: 1280, height: 720 });
  await waitForApp(page, base, runLink("replication-playground", 42, 1500));
  await scrubTo(page, 1000);
  await page.click("#n-b1");
  await page.click('#node-menu .menu-item:has-text("Crash")');
  await page.waitForSelector("#n-b1.down");
  const at = await stepNo(page);
  await page.click("#branches");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-lesson")]);
  const file = path.join(artifacts, "replication-playground-offline.html");
  await download.saveAs(file);
  const size = fs.statSync(file).size;
  console.log(`     one-file page: ${(size / 1e6).toFixed(2)} MB`);
  await page.goto("file://" + file);
  await page.waitForSelector(".stage .prow", { timeout: 30000 });
  await page.waitForSelector("#n-b1.down");
  if ((await stepNo(page)) !== at) throw new Error(`the offline page opened at step ${await stepNo(page)}, not ${at}`);
  if ((await page.textContent("#branch-count")) !== "2") throw new Error("the offline page lost a branch");
  await page.click("#step");
  await page.click("#branches");
  await page.click("#branch-0");
  await page.waitForSelector("#n-b1:not(.down)");
  await page.screenshot({ path: path.join(artifacts, "one-file-1280x720.png") });
  await page.setViewportSize({ width: 1600, height: 1000 });
}


// Compare: open it with clicks, acks=1 against the lesson's acks=all, play both in lockstep, see
// the first difference marked (strip and timeline) and the figures; close it and keep the run.
async function compareSideBySide(page, { base, artifacts }) {
  await page.setViewportSize({ width: 1280, height: 720 });
  await waitForApp(page, base);
  await openLesson(page, "replication-playground");
  await page.click("#compare-open");
  await page.waitForSelector("#compare-picker");
  await page.click('#compare-picker input[data-change="p1.acks=1"]');
  await page.screenshot({ path: path.join(artifacts, "compare-picker-1280x720.png") });
  await page.click("#compare-start");
  await page.waitForSelector("#compare-strip");
  if ((await page.textContent("#compare-label")) !== "acks=1 on p1") throw new Error("wrong label");
  await setSpeed(page, 8);
  await playUntil(page, async () => (await stepNo(page)) > 2500, 60000);
  if ((await page.textContent("#play")).includes("Pause")) await page.click("#play");
  await page.waitForSelector("#compare-divergence:not(.same)");
  await page.waitForSelector("#divergence-mark");
  const latency = await page.$eval('#compare-figures tr[data-figure="latency p50/p95/p99"]', (el) => ({ differs: el.classList.contains("differs"), text: el.innerText }));
  if (!latency.differs) throw new Error(`latency does not differ: ${latency.text}`);
  const acked = await page.$eval('#compare-figures tr[data-figure="acknowledged"] td', (el) => Number(el.textContent));
  if (!(acked > 0)) throw new Error("no acknowledged writes counted");
  const clipped = await page.evaluate(() => {
    const strip = document.querySelector("#compare-strip").getBoundingClientRect();
    const bad = [...document.querySelectorAll("#compare-strip th, #compare-strip td, #compare-strip button")]
      .filter((el) => { const r = el.getBoundingClientRect(); return r.right > strip.right + 1 || r.left < strip.left - 1; });
    return bad.map((el) => el.textContent);
  });
  if (clipped.length) throw new Error(`clipped in the strip: ${clipped}`);
  await page.screenshot({ path: path.join(artifacts, "compare-1280x720.png") });
  const step = await page.$eval("#compare-divergence", (el) => Number(el.dataset.step));
  await page.click("#compare-goto");
  await page.waitForFunction((n) => document.querySelector(".step-no").textContent === `step ${n}`, step);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.screenshot({ path: path.join(artifacts, "compare-1920x1080.png") });
  await page.click("#compare-close");
  await page.waitForSelector("#compare-strip", { state: "detached" });
  if ((await stepNo(page)) !== step) throw new Error("closing Compare moved the run");
  // The reference class cluster: Compare fits beside its stage too.
  await page.setViewportSize({ width: 1280, height: 720 });
  await waitForApp(page, base + "?scale=1", runLink("classroom-scale", 5, 2000));
  await page.click("#compare-open");
  await page.click("#compare-choice-0");
  await page.click("#compare-start");
  await page.waitForSelector("#compare-strip");
  for (let i = 0; i < 5; i++) await page.click("#step-event");
  await page.screenshot({ path: path.join(artifacts, "compare-classroom-scale-1280x720.png") });
  await page.setViewportSize({ width: 1600, height: 1000 });
}


/// The rectangles of Compare's three parts, and every element id that occurs twice.
async function compareLayout(page) {
  return page.evaluate(() => {
    const rect = (sel) => { const el = document.querySelector(sel); if (!el) return null; const r = el.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, shown: getComputedStyle(el).display !== "none" }; };
    const ids = [...document.querySelectorAll("[id]")].map((el) => el.id);
    const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
    return { a: rect(".stage-a"), strip: rect("#compare-strip"), b: rect("#b-stage"), twice, width: innerWidth, height: innerHeight };
  });
}

/// Every replica cell of the stage with `prefix` lies inside that stage's block area.
async function replicasInside(page, prefix) {
  return page.evaluate((pre) => {
    const area = document.getElementById(`${pre}blocks-area`).getBoundingClientRect();
    const reps = [...document.querySelectorAll(`[id^="${pre}r-"]`)];
    const out = reps.filter((el) => { const r = el.getBoundingClientRect(); return r.right > area.right + 1 || r.bottom > area.bottom + 1 || r.left < area.left - 1 || r.top < area.top - 1; });
    return { total: reps.length, outside: out.map((el) => el.id) };
  }, prefix);
}

// Compare with two whole stages: B crashes b1 at 100 ms; after it the class crashes b1 in A by
// a click, which B cannot do (the strip says so). Both stages render with their own ids, side
// by side at 1920x1080 and one at a time (A/B buttons) at 1280x720; then the class cluster.
async function compareTwoStages(page, { base, artifacts }) {
  await page.setViewportSize({ width: 1920, height: 1080 });
  await waitForApp(page, base);
  await openLesson(page, "replication-playground");
  await page.click("#compare-open");
  await page.fill("#compare-custom", "+crash b1@100");
  await page.click("#compare-start");
  await page.waitForSelector("#b-stage .prow");
  for (let i = 0; i < 3; i++) await page.click("#step-event");
  await setSpeed(page, 6);
  await playUntil(page, async () => (await stepNo(page)) > 600, 60000);
  if ((await page.textContent("#play")).includes("Pause")) await page.click("#play");
  await page.waitForSelector("#b-n-b1.down");
  await page.waitForSelector("#n-b1:not(.down)");
  if ((await page.locator("#compare-refusals").count()) !== 0) throw new Error("a refusal before any command");
  await page.click("#n-b1");
  await page.click('#node-menu .menu-item:has-text("Crash")');
  await page.waitForSelector("#n-b1.down");
  await page.click("#step-event");
  await page.waitForSelector("#compare-refusals");
  const refusal = await page.textContent("#compare-refusals");
  if (!/crash b1/.test(refusal) || !/already stopped/.test(refusal)) throw new Error(`refusal: ${refusal}`);
  for (const id of ["b-n-b2", "b-n-b3", "b-n-p1", "b-stage-center", "b-blocks-area"]) {
    if ((await page.locator(`#${id}`).count()) !== 1) throw new Error(`B has no #${id}`);
  }
  const aReps = await page.locator('.stage-a [id^="r-"]').count();
  const bReps = await page.locator('#b-stage [id^="b-r-"]').count();
  if (aReps === 0 || bReps !== aReps) throw new Error(`replicas: A ${aReps}, B ${bReps}`);
  if ((await page.locator("#b-stage .rep.leader").count()) === 0) throw new Error("B shows no leader");
  let l = await compareLayout(page);
  if (l.twice.length) throw new Error(`ids used twice: ${l.twice}`);
  if (!(l.a.shown && l.b.shown && l.a.right <= l.strip.left + 1 && l.strip.right <= l.b.left + 1 && l.b.right <= l.width + 1)) throw new Error(`not A | strip | B: ${JSON.stringify(l)}`);
  const spilled = await page.$$eval("#compare-figures th, #compare-figures td", (els) => els.filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => el.textContent));
  if (spilled.length) throw new Error(`figures spill out of their cells: ${spilled}`);
  await page.screenshot({ path: path.join(artifacts, "compare-two-stages-1920x1080.png") });
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.waitForTimeout(200);
  l = await compareLayout(page);
  if (!l.a.shown || l.b.shown || l.strip.right > l.width + 1) throw new Error(`1280: ${JSON.stringify(l)}`);
  await page.screenshot({ path: path.join(artifacts, "compare-two-stages-a-1280x720.png") });
  await page.click("#compare-show-b");
  await page.waitForTimeout(200);
  l = await compareLayout(page);
  if (l.a.shown || !l.b.shown || l.b.width < 500) throw new Error(`1280, B: ${JSON.stringify(l)}`);
  const inB = await replicasInside(page, "b-");
  if (inB.outside.length) throw new Error(`B's replicas clipped: ${inB.outside}`);
  await page.screenshot({ path: path.join(artifacts, "compare-two-stages-b-1280x720.png") });
  await page.click("#compare-show-a");
  await page.waitForSelector(".stage-a", { state: "visible" });
  // The reference class cluster (6 brokers, 36 partitions): both stages whole at 1920x1080.
  await page.setViewportSize({ width: 1920, height: 1080 });
  await waitForApp(page, base + "?scale=2", runLink("classroom-scale", 5, 2000));
  await page.click("#compare-open");
  await page.click("#compare-choice-0");
  await page.click("#compare-start");
  await page.waitForSelector("#b-stage .prow");
  for (let i = 0; i < 5; i++) await page.click("#step-event");
  await page.waitForTimeout(200);
  for (const pre of ["", "b-"]) {
    const inside = await replicasInside(page, pre);
    if (inside.total < 108 || inside.outside.length) throw new Error(`stage "${pre}": ${inside.total} replicas, clipped ${inside.outside.slice(0, 5)}`);
  }
  l = await compareLayout(page);
  if (l.twice.length) throw new Error(`ids used twice: ${l.twice}`);
  await page.screenshot({ path: path.join(artifacts, "compare-two-stages-classroom-1920x1080.png") });
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.click("#compare-show-b");
  await page.waitForTimeout(200);
  const inside = await replicasInside(page, "b-");
  if (inside.outside.length) throw new Error(`1280, B clipped: ${inside.outside.slice(0, 5)}`);
  await page.screenshot({ path: path.join(artifacts, "compare-two-stages-classroom-b-1280x720.png") });
  await page.setViewportSize({ width: 1600, height: 1000 });
}

const KEPT = "kafka-classroom.branches.replication-playground";

/// The notice's text (empty when there is none).
async function noticeText(page) {
  return (await page.locator(".notice span").count()) ? page.textContent(".notice span") : "";
}

// Branches kept in local storage: make a what-if branch, reload the page, open the lesson again
// and find both branches; a damaged or oversized entry is set aside with a message.
async function branchesSurviveReload(page, { base, artifacts }) {
  await page.setViewportSize({ width: 1280, height: 720 });
  await waitForApp(page, base);
  await openLesson(page, "replication-playground");
  await setSpeed(page, 6);
  await playUntil(page, async () => (await stepNo(page)) > 900, 60000);
  if ((await page.textContent("#play")).includes("Pause")) await page.click("#play");
  await scrubTo(page, 500);
  await page.click("#n-b1");
  await page.click('#node-menu .menu-item:has-text("Crash")');
  await page.waitForSelector("#n-b1.down");
  await page.waitForFunction(() => document.querySelector("#branch-count")?.textContent === "2");
  const step = await stepNo(page);
  await page.waitForFunction((k) => (localStorage.getItem(k) ?? "").includes("kafka_classroom_run"), KEPT);
  await page.reload();
  await page.waitForSelector(".stage .prow");
  await openLesson(page, "replication-playground");
  await page.waitForSelector("#n-b1.down");
  if ((await page.textContent("#branch-count")) !== "2") throw new Error("the reload lost a branch");
  if ((await stepNo(page)) !== step) throw new Error(`restored at step ${await stepNo(page)}, not ${step}`);
  if (!(await noticeText(page)).startsWith("Restored the branches")) throw new Error(`notice: ${await noticeText(page)}`);
  await page.screenshot({ path: path.join(artifacts, "branches-restored-1280x720.png") });
  for (const [bad, words] of [["{not a run", "could not be restored"], ["x".repeat(600000), "too large"]]) {
    await page.evaluate(([k, v]) => localStorage.setItem(k, v), [KEPT, bad]);
    await page.reload();
    await page.waitForSelector(".stage .prow");
    await openLesson(page, "replication-playground");
    await page.waitForSelector(".notice");
    const said = await noticeText(page);
    if (!said.includes(words)) throw new Error(`bad entry: ${said}`);
    if ((await page.locator("#branch-count").count()) !== 0) throw new Error("a bad entry made branches");
    if (await page.evaluate((k) => localStorage.getItem(k), KEPT)) throw new Error("the bad entry stayed");
  }
  await page.screenshot({ path: path.join(artifacts, "branches-bad-entry-1280x720.png") });
  await page.setViewportSize({ width: 1600, height: 1000 });
}

/// The transaction lessons played through their beats at projector and big-screen sizes: every
/// beat's caption, question, choices and answer must be whole on screen (nothing clipped or
/// spilling), no guarantee alarm may show, and each beat leaves a screenshot to look at.
async function transactionLessons(page, { base, artifacts }) {
  const lessons = ["read-committed-vs-uncommitted", "hanging-transaction-holds-lso", "zombie-producer-fenced"];
  for (const [w, h] of [[1280, 720], [1920, 1080]]) {
    await page.setViewportSize({ width: w, height: h });
    for (const id of lessons) {
      await waitForApp(page, base);
      await openLesson(page, id);
      await setSpeed(page, 7);
      const total = Number((await page.textContent("#caption .beat-no")).split("/")[1]);
      for (let beat = 1; beat <= total; beat++) {
        await page.waitForSelector(`#caption .beat-no:text-matches("^${beat} /")`, { timeout: 60000 });
        if ((await page.locator("#choice-0:not([disabled])").count()) > 0) {
          await captionWhole(page, `${id} beat ${beat} question at ${w}x${h}`);
          await page.screenshot({ path: path.join(artifacts, `txn-${id}-${beat}q-${w}x${h}.png`) });
          await page.click("#choice-0");
          await page.waitForSelector("#answer", { timeout: 60000 });
        }
        await page.waitForSelector("#continue", { timeout: 60000 });
        await captionWhole(page, `${id} beat ${beat} at ${w}x${h}`);
        // Skipping aborted records is what read_committed does: no guarantee alarm for it.
        if ((await page.locator("#show-me").count()) > 0) throw new Error(`${id} beat ${beat}: an alarm ${await page.textContent(".g-show >> xpath=..")}`);
        await page.screenshot({ path: path.join(artifacts, `txn-${id}-${beat}-${w}x${h}.png`) });
        if (beat < total) await page.click("#continue");
      }
      console.log(`     ${id} at ${w}x${h}: ${total} beats whole on screen`);
    }
  }
  await page.setViewportSize({ width: 1600, height: 1000 });
}

/// Throws when the caption or any of its texts is clipped, spills, or leaves the window.
async function captionWhole(page, where) {
  const problems = await page.evaluate(() => {
    const out = [];
    const caption = document.querySelector("#caption");
    const box = caption.getBoundingClientRect();
    if (box.bottom > window.innerHeight || box.right > window.innerWidth) out.push("caption leaves the window");
    for (const el of [caption, ...caption.querySelectorAll(".beat-caption, .question, .choice, .answer, .continue")]) {
      if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) out.push(`${el.className}: ${el.textContent.slice(0, 40)}`);
    }
    return out;
  });
  if (problems.length) throw new Error(`${where}: ${problems.join("; ")}`);
}

export const scenarios = [
  { name: "transaction-lessons", run: transactionLessons },
  { name: "compare", run: compareSideBySide },
  { name: "compare-two-stages", run: compareTwoStages },
  { name: "branches-survive-reload", run: branchesSurviveReload },
  { name: "branching-timeline", run: branchingTimeline },
  { name: "one-file-lesson", run: oneFileLesson },
  {
    name: "space-time",
    async run(page, { base, artifacts }) {
      // Classroom scale: open the diagram beside the stage, filter by partition and API, hover
      // an arrow for its name and click it to go to its step; a crash leaves a mark on its lane.
      await page.setViewportSize({ width: 1280, height: 720 });
      await waitForApp(page, base, runLink("classroom-scale", 5, 2000));
      await page.click("#open-spacetime");
      for (const [w, h] of [[1280, 720], [1920, 1080]]) {
        await page.setViewportSize({ width: w, height: h });
        await page.waitForSelector("#spacetime svg.spacetime .st-arrow");
        const lanes = await page.locator("#spacetime .st-lane").count();
        if (lanes < 15) throw new Error(`only ${lanes} lanes`);
        const boxes = await page.evaluate(() => {
          const r = (s) => document.querySelector(s).getBoundingClientRect();
          return { stage: r(".stage"), panel: r("#panel-spacetime"), svg: r("#spacetime svg") };
        });
        if (boxes.stage.right > boxes.panel.left + 1) throw new Error(`the panel covers the stage: ${JSON.stringify(boxes)}`);
        if (boxes.panel.right > w + 0.5 || boxes.svg.right > w + 0.5) throw new Error(`the diagram leaves the screen: ${JSON.stringify(boxes)}`);
        if (boxes.stage.width < 600) throw new Error(`the stage is only ${boxes.stage.width}px wide`);
        await page.screenshot({ path: path.join(artifacts, `spacetime-${w}x${h}.png`) });
      }
      await page.selectOption("#st-partition", "clicks-6");
      await page.selectOption("#st-api", "replication");
      const labels = await page.$$eval("#spacetime .st-arrow title", (ts) => ts.map((t) => t.textContent));
      if (labels.length === 0) throw new Error("no replication arrow for clicks-6");
      for (const l of labels) if (!/^Fetch(Response)? b\d→b\d \(clicks-6/.test(l)) throw new Error(`filtered arrow: ${l}`);
      await page.screenshot({ path: path.join(artifacts, "spacetime-filtered.png") });
      // The newest arrow not hidden under another: hover it, then click it.
      const target = await page.evaluate(() => {
        for (const g of [...document.querySelectorAll("#spacetime .st-arrow[data-step]")].reverse()) {
          const r = g.querySelector(".shaft").getBoundingClientRect();
          const [x, y] = [r.left + r.width / 2, r.top + r.height / 2];
          if (document.elementFromPoint(x, y)?.closest(".st-arrow") === g) return { x, y, step: g.dataset.step };
        }
        return null;
      });
      if (!target) throw new Error("every arrow is covered by another");
      await page.mouse.move(target.x, target.y);
      await page.mouse.click(target.x, target.y);
      const step = target.step;
      await page.waitForFunction((n) => document.querySelector(".step-no").textContent === `step ${n}`, step);
      console.log(`     ${labels[labels.length - 1]}`);
      // A crash from b2's menu: a mark on b2's lane names it.
      await page.selectOption("#st-partition", "");
      await page.selectOption("#st-api", "");
      await page.click("#n-b2");
      await page.click('#node-menu .menu-item:has-text("Crash")');
      await page.waitForSelector("#n-b2.down");
      const mark = await page.textContent("#spacetime .st-mark title");
      if (!mark.startsWith("b2 crashed")) throw new Error(`mark: ${mark}`);
      await page.screenshot({ path: path.join(artifacts, "spacetime-crash.png") });
      await page.setViewportSize({ width: 1600, height: 1000 });
    },
  },
  {
    name: "challenge",
    async run(page, { base, artifacts }) {
      // A challenge from the catalogue: the bar shows the goal and the budget; isolating the
      // leader fills p1's buffer.memory, the verdict names the step, and its link seeks there.
      for (const [w, h] of [[1280, 720], [1920, 1080]]) {
        await page.setViewportSize({ width: w, height: h });
        await waitForApp(page, base);
        await openLesson(page, "challenge-block-the-producer");
        await page.waitForSelector("#challenge");
        const budget = await page.textContent("#challenge-budget");
        if (budget !== "Actions 0 of 1") throw new Error(`budget: ${budget}`);
        // Let p1 start writing, then cut its leader off.
        await setSpeed(page, 3);
        await playUntil(page, async () => parseFloat(await page.textContent("#sim-time")) >= 1.5, 30000);
        if ((await page.textContent("#play")).includes("Pause")) await page.click("#play");
        await page.click("#n-b1");
        await page.click('#node-menu .menu-item:has-text("Isolate")');
        await page.waitForFunction(() => document.querySelector("#challenge-budget").textContent === "Actions 1 of 1");
        await playUntil(page, async () => (await page.locator("#challenge.met").count()) > 0, 60000);
        if ((await page.textContent("#play")).includes("Pause")) await page.click("#play");
        const status = await page.textContent("#challenge-status");
        const step = status.match(/^Goal met at step (\d+) \(/)[1];
        const box = await page.evaluate(() => document.querySelector("#challenge").getBoundingClientRect());
        if (box.right > w + 0.5 || box.height > 90) throw new Error(`the challenge bar does not fit: ${JSON.stringify(box)}`);
        await page.screenshot({ path: path.join(artifacts, `challenge-met-${w}x${h}.png`) });
        await page.click("#challenge-step");
        await page.waitForFunction((n) => document.querySelector(".step-no").textContent === `step ${n}`, step);
        console.log(`     ${status}`);
      }
      // The safe settings: two actions spent, the run played out, the bar explains why not.
      await page.setViewportSize({ width: 1280, height: 720 });
      await openLesson(page, "challenge-lose-a-write-safely");
      if ((await page.locator("#continue").count()) > 0) await page.click("#continue");
      await clickStepUntil(page, "#n-b1", 5);
      for (const node of ["b1", "b2"]) {
        await page.click(`#n-${node}`);
        await page.click('#node-menu .menu-item:has-text("Crash")');
        await page.waitForSelector(`#n-${node}.down`);
      }
      await page.click(`#n-b3`);
      await page.click('#node-menu .menu-item:has-text("Crash")');
      await page.waitForFunction(() => (document.querySelector(".notice.error") || {}).textContent?.includes("budget is spent"));
      await page.waitForSelector("#challenge.spent #challenge-impossible");
      const why = await page.textContent("#challenge-impossible");
      if (!why.startsWith("It cannot be done with two actions.")) throw new Error(`impossible: ${why}`);
      await page.screenshot({ path: path.join(artifacts, "challenge-impossible.png") });
      await page.setViewportSize({ width: 1600, height: 1000 });
    },
  },
  {
    name: "guarantee-show-me",
    async run(page, { base, artifacts }) {
      // acks=1: once b2 leads t-0 without p1#1, a banner says an acknowledged write was lost;
      // "Show me" goes to that step with the record's life open.
      await page.setViewportSize({ width: 1280, height: 720 });
      await waitForApp(page, base, runLink("acks-1-loses-a-write", 1, 150));
      const banner = await page.textContent("#guarantee");
      if (!banner.includes("An acknowledged write was lost: b2 now leads t-0 without p1#1 (t-0@1)")) throw new Error(`banner: ${banner}`);
      const step = banner.match(/step (\d+)\)/)[1];
      await page.click("#show-me");
      await page.waitForSelector("#inspector");
      await page.waitForFunction((n) => document.querySelector(".step-no").textContent === `step ${n}`, step);
      const here = await page.textContent("#inspector li.here");
      if (!here.includes("b2 became leader of t-0")) throw new Error(`the current moment is ${here}`);
      const stage = await page.evaluate(() => document.querySelector(".stage").getBoundingClientRect().width);
      if (stage < 500) throw new Error(`the stage is only ${stage}px wide`);
      await page.screenshot({ path: path.join(artifacts, "guarantee-show-me.png") });
      // Before the election nothing is broken yet: the banner goes away.
      await page.click("#step-back");
      await page.waitForSelector("#guarantee", { state: "detached" });
      await page.setViewportSize({ width: 1600, height: 1000 });
    },
  },
  {
    name: "why-links-and-never-processed",
    async run(page, { base, artifacts }) {
      for (const [w, h] of [[1280, 720], [1920, 1080]]) {
        await page.setViewportSize({ width: w, height: h });
        // acks-all-needs-min-isr after 10 s: b2 and b3 crashed at 1 s and were fenced, so
        // strong-0 is below min ISR; its "?" says who left and links to the crashes.
        await page.goto("about:blank");
        await waitForApp(page, base, runLink("acks-all-needs-min-isr", 4, 60));
        await page.click("#why-strong-0");
        await page.waitForSelector("#why-health");
        const health = await page.textContent("#why-health");
        if (!health.includes("b2 left strong-0's ISR at 10.000 s: its broker crashed at 1.000 s")) throw new Error(`health: ${health}`);
        const box = await page.evaluate(() => document.querySelector("#panel-why").getBoundingClientRect());
        if (box.right > w + 0.5 || box.bottom > h + 0.5) throw new Error(`the Why? panel clips: ${JSON.stringify(box)}`);
        await page.screenshot({ path: path.join(artifacts, `why-health-${w}x${h}.png`) });
        await page.click('.why-link:has-text("b2 crashed")');
        await page.waitForFunction(() => document.querySelector(".step-no").textContent === "step 28");
        // At the crash, b2 is not fenced yet: the partition is healthy, the link list went away.
        await page.waitForSelector("#why-health", { state: "detached" });
        // latest-skips-old-records: group fresh starts at the log end; the banner names the
        // records it will never process, and Show me opens the first at the step it happened.
        await page.goto("about:blank");
        await waitForApp(page, base, runLink("latest-skips-old-records", 7, 120));
        const banner = await page.textContent("#guarantee");
        if (!banner.includes("Never processed: fresh will not process p1#0 (events-0@0) and 19 more")) throw new Error(`banner: ${banner}`);
        const step = banner.match(/step (\d+)\)/)[1];
        const bar = await page.evaluate(() => document.querySelector("#guarantee").getBoundingClientRect());
        if (bar.right > w + 0.5 || bar.height > 90) throw new Error(`the banner does not fit: ${JSON.stringify(bar)}`);
        await page.click("#show-me");
        await page.waitForSelector("#inspector");
        await page.waitForFunction((n) => document.querySelector(".step-no").textContent === `step ${n}`, step);
        const life = await page.textContent("#inspector");
        if (!life.includes("p1#0")) throw new Error(`inspector: ${life.slice(0, 200)}`);
        await page.screenshot({ path: path.join(artifacts, `never-processed-show-me-${w}x${h}.png`) });
      }
      await page.setViewportSize({ width: 1600, height: 1000 });
    },
  },
  {
    name: "why-batch",
    async run(page, { base, artifacts }) {
      // batching-step-by-step: p1 lingers (linger.ms=500); the "?" beside orders' batches says
      // so and links to the step that opened the batch.
      await page.setViewportSize({ width: 1280, height: 720 });
      await page.goto("about:blank");
      await waitForApp(page, base, runLink("batching-step-by-step", 5, 20));
      await page.click("#tab-producer");
      const ask = page.locator('.pwhy[id^="why-p1-orders-"]').first();
      // The first records go to a batch from 50 ms: step until one waits.
      for (let i = 0; i < 200 && (await ask.count()) === 0; i++) await page.click("#step");
      await ask.click();
      await page.waitForSelector("#why-answer");
      // The answer follows the timeline: step until the batch lingers.
      let answer = await page.textContent("#why-answer");
      for (let i = 0; i < 60 && !answer.startsWith("It is lingering"); i++) {
        await page.click("#step");
        answer = await page.textContent("#why-answer");
      }
      if (!answer.startsWith("It is lingering: linger.ms=500 lets it wait for more records until")) throw new Error(`answer: ${answer}`);
      await page.screenshot({ path: path.join(artifacts, "why-batch-1280x720.png") });
      const to = await page.getAttribute(".why-link", "data-step");
      const label = await page.textContent(".why-link");
      if (!label.endsWith("p1 opened the batch")) throw new Error(`link: ${label}`);
      await page.click(".why-link");
      await page.waitForFunction((n) => document.querySelector(".step-no").textContent === `step ${n}`, to);
      // The reference class cluster: the batch "?" and its answer fit beside the stage.
      for (const [w, h] of [[1280, 720], [1920, 1080]]) {
        await page.setViewportSize({ width: w, height: h });
        await page.goto("about:blank");
        await waitForApp(page, base, runLink("classroom-scale", 5, 2000));
        await page.click("#tab-producer");
        const q = page.locator('.pwhy[id^="why-p"]').first();
        for (let i = 0; i < 200 && (await q.count()) === 0; i++) await page.click("#step");
        await q.click();
        await page.waitForSelector("#why-answer");
        const box = await page.evaluate(() => document.querySelector("#panel-why").getBoundingClientRect());
        if (box.right > w + 0.5 || box.bottom > h + 0.5) throw new Error(`the Why? panel clips: ${JSON.stringify(box)}`);
        await page.screenshot({ path: path.join(artifacts, `why-batch-classroom-${w}x${h}.png`) });
      }
      await page.setViewportSize({ width: 1600, height: 1000 });
    },
  },
  {
    name: "why-consumer",
    async run(page, { base, artifacts }) {
      // Three consumers, two partitions: c3's menu asks why it gets no records.
      await page.setViewportSize({ width: 1280, height: 720 });
      await waitForApp(page, base, runLink("more-consumers-than-partitions", 5, 69));
      await page.click("#n-c3");
      await page.click('#node-menu .menu-item:has-text("Why no records?")');
      await page.waitForSelector("#why-answer");
      const answer = await page.textContent("#why-answer");
      if (!answer.startsWith("c3 owns nothing: group workers gave it no partition")) throw new Error(`answer: ${answer}`);
      await page.screenshot({ path: path.join(artifacts, "why-consumer.png") });
      await page.setViewportSize({ width: 1600, height: 1000 });
    },
  },
  {
    name: "why-high-watermark",
    async run(page, { base, artifacts }) {
      // acks=1: b1 wrote offset 1 while its answers to the followers are dropped. The "?" beside
      // t-0's high watermark says why it stays at 1, and the answer follows the timeline.
      await page.setViewportSize({ width: 1280, height: 720 });
      await waitForApp(page, base, runLink("acks-1-loses-a-write", 1, 44));
      await page.click("#why-t-0");
      await page.waitForSelector("#why-answer");
      const question = await page.textContent("#why .why-q");
      if (question !== "Why is t-0's high watermark at 1?") throw new Error(`question: ${question}`);
      const cutOff = await page.textContent("#why-answer");
      if (!cutOff.includes("b1's answers to its fetches do not reach it")) throw new Error(`answer: ${cutOff}`);
      const boxes = await page.evaluate(() => {
        const r = (s) => document.querySelector(s).getBoundingClientRect();
        return { stage: r(".stage"), panel: r("#panel-why") };
      });
      if (boxes.stage.right > boxes.panel.left + 1) throw new Error(`the panel covers the stage: ${JSON.stringify(boxes)}`);
      await page.screenshot({ path: path.join(artifacts, "why-high-watermark.png") });
      await clickStepUntil(page, "#n-b1.down", 20);
      await page.waitForFunction(() => document.querySelector("#why-answer").textContent.startsWith("Its leader b1 is down"));
      console.log(`     ${cutOff.slice(0, 110)}…`);
      await page.screenshot({ path: path.join(artifacts, "why-leader-down.png") });
      await page.setViewportSize({ width: 1600, height: 1000 });
    },
  },
  {
    name: "record-inspector",
    async run(page, { base, artifacts }) {
      // acks=1 loses a write: open the run after b1 acknowledged p1#1 and crashed, click that
      // record on b1's strip, follow its life, jump to its append, then play on to its loss.
      for (const [w, h] of [[1280, 720], [1920, 1080]]) {
        await page.setViewportSize({ width: w, height: h });
        await waitForApp(page, base, runLink("acks-1-loses-a-write", 1, 150));
        await page.click('#r-t-0-b1 .rec[data-offset="1"]');
        await page.waitForSelector("#inspector");
        const fate = await page.textContent("#inspector-fate");
        if (!fate.startsWith("Only on b1 (down) at offset 1")) throw new Error(`fate: ${fate}`);
        const text = await page.textContent("#inspector");
        for (const words of ["called send()", "appended it at offset 1 (leader epoch 0)", "got the acknowledgement", "b2 became leader of t-0 (leader epoch 1) without this record"]) {
          if (!text.includes(words)) throw new Error(`the inspector does not say "${words}"`);
        }
        // The stage stays whole beside the panel.
        const boxes = await page.evaluate(() => {
          const r = (s) => document.querySelector(s).getBoundingClientRect();
          return { stage: r(".stage"), panel: r("#panel-record"), cell: r("#r-t-0-b3") };
        });
        if (boxes.stage.right > boxes.panel.left + 1) throw new Error(`the panel covers the stage: ${JSON.stringify(boxes)}`);
        if (boxes.cell.right > boxes.panel.left || boxes.cell.width < 40) throw new Error(`b3's replica is hidden: ${JSON.stringify(boxes.cell)}`);
        if (boxes.panel.right > w + 0.5 || boxes.panel.bottom > h + 0.5) throw new Error(`the panel leaves the screen: ${JSON.stringify(boxes.panel)}`);
        await page.screenshot({ path: path.join(artifacts, `inspector-${w}x${h}.png`) });
      }
      // Each moment is a link to its step.
      const append = page.locator('#inspector li:has-text("appended it at offset 1") .insp-step');
      const target = (await append.getAttribute("title")).replace("Go to step ", "");
      await append.click();
      await page.waitForFunction((n) => document.querySelector(".step-no").textContent === `step ${n}`, target);
      const here = await page.textContent("#inspector li.here");
      if (!here.includes("appended it at offset 1")) throw new Error(`the current moment is ${here}`);
      if ((await page.locator("#inspector li.later").count()) < 2) throw new Error("the later moments are not marked");
      // Play on past b1's return: the inspector tells how the acknowledged write was lost. The
      // seek went back before the lesson's question: go back to it so the class can answer.
      if ((await page.locator("#back-to-question").count()) > 0) await page.click("#back-to-question");
      await setSpeed(page, 9);
      await playUntil(page, async () => Number((await page.textContent(".step-no")).replace("step ", "")) > 230, 60000);
      if ((await page.textContent("#play")).includes("Pause")) await page.click("#play");
      await page.waitForFunction(() => document.querySelector("#inspector-fate").textContent.startsWith("Lost: acknowledged at t-0@1"));
      const lost = await page.textContent('#inspector li.alarm:has-text("is lost")');
      console.log(`     ${lost.replace(/\s+/g, " ").trim()}`);
      await page.screenshot({ path: path.join(artifacts, "inspector-lost.png") });
      await page.setViewportSize({ width: 1600, height: 1000 });
    },
  },
  {
    name: "first-slice",
    async run(page, { base, artifacts }) {
      await waitForApp(page, base);
      const title = await page.textContent(".lesson-name");
      if (!title.includes("Keys pick partitions")) throw new Error(`unexpected lesson: ${title}`);
      // The opening beat says what is on screen; Continue plays on to the next beat.
      await page.waitForSelector("#caption .beat-caption");
      await page.screenshot({ path: path.join(artifacts, "first-slice-start.png") });
      // Step until the first record lands in a partition strip.
      const clicks = await clickStepUntil(page, ".rep.strip .rec", 60);
      const offset = await page.textContent(".rep.strip .rec b");
      if (offset.trim() !== "0") throw new Error(`first cell shows offset ${offset}, expected 0`);
      const story = await page.textContent("#narration");
      if (!/wrote offset 0|copied offset 0|sends a record/.test(story)) throw new Error(`the narration does not tell it plainly: ${story}`);
      // Clicking a narration line takes the timeline back to that step.
      const before = await page.textContent(".step-no");
      await page.click("#narration .line >> nth=0");
      const after = await page.textContent(".step-no");
      if (before === after) throw new Error(`clicking the narration did not move the timeline (${before})`);
      await page.screenshot({ path: path.join(artifacts, "first-slice.png") });
      console.log(`     first record after ${clicks} steps; narration click: ${before} -> ${after}`);
    },
  },
  {
    name: "send-keyed-record",
    async run(page, { base, artifacts }) {
      await waitForApp(page, base);
      await page.click("#tab-producer");
      await page.fill("#send-key", "foobar");
      await page.fill("#send-value", "from-the-class");
      await page.click("#send");
      // murmur2("foobar") % 3 == 0: the record must land in orders-0 on whichever broker leads it.
      await clickStepUntil(page, '.rep.leader[id^="r-orders-0-"] .rec[title*="from-the-class"]', 80);
      await page.screenshot({ path: path.join(artifacts, "send-keyed-record.png") });
    },
  },
  {
    name: "stage-fits-the-classroom",
    async run(page, { base, artifacts }) {
      for (const [w, h] of [[1280, 720], [1600, 1000], [1920, 1080]]) {
        await page.setViewportSize({ width: w, height: h });
        // 45 s into the classroom cluster: b2 crashed at 30 s and the controller fenced it.
        await waitForApp(page, base, runLink("classroom-scale", 5, 92000));
        await page.waitForTimeout(500);
        const { total, outside } = await replicasInView(page);
        const lessonReplicas = await page.locator('.rep[id^="r-orders-"], .rep[id^="r-clicks-"]').count();
        if (lessonReplicas !== 108) throw new Error(`${w}x${h}: ${lessonReplicas} replicas of orders and clicks, expected 108`);
        if (outside.length) throw new Error(`${w}x${h}: replicas outside the viewport: ${outside.slice(0, 5).join(", ")}`);
        const nodes = await stageNodes(page);
        if (nodes > 800) throw new Error(`${w}x${h}: the stage holds ${nodes} DOM nodes (budget 800)`);
        const scroll = await page.evaluate(() => [document.documentElement.scrollHeight, window.innerHeight]);
        if (scroll[0] > scroll[1]) throw new Error(`${w}x${h}: the page scrolls (${scroll[0]} > ${scroll[1]})`);
        // The crash is visible without scrolling: b2's column is down, its replicas offline,
        // and no partition still has b2 as its leader.
        await page.waitForSelector("#n-b2.down");
        const offline = await page.locator('.rep.offline[id$="-b2"]').count();
        const led = await page.locator('.rep.leader[id$="-b2"]').count();
        if (offline < 10 || led !== 0) throw new Error(`${w}x${h}: b2 offline replicas ${offline}, still leading ${led}`);
        const underReplicated = await page.locator(".prow.under-replicated").count();
        if (underReplicated < 10) throw new Error(`${w}x${h}: only ${underReplicated} rows flag under-replication`);
        await page.screenshot({ path: path.join(artifacts, `stage-${w}x${h}.png`) });
        console.log(`     ${w}x${h}: 108 lesson replicas (+${total - 108} of __consumer_offsets) in view, ${nodes} stage nodes, ${underReplicated} under-replicated rows`);
      }
      await page.setViewportSize({ width: 1600, height: 1000 });
    },
  },
  {
    name: "crash-leader",
    async run(page, { base, artifacts }) {
      await page.setViewportSize({ width: 1280, height: 720 });
      await waitForApp(page, base, runLink("classroom-scale", 5, 2000));
      await page.click("#continue");
      await setSpeed(page, 6); // 10x
      const oldLeader = await leaderOf(page, "orders-3");
      // Crash the leader of orders-3 from its menu on the stage.
      await page.click(`#n-${oldLeader}`);
      await page.click('#node-menu .menu-item:has-text("Crash")');
      await page.waitForSelector(`#n-${oldLeader}.down`);
      // The controller fences it after broker.session.timeout.ms and elects another leader.
      await playUntil(
        page,
        () =>
          page.evaluate((old) => {
            const el = document.querySelector('.rep.leader[id^="r-orders-3-b"]');
            return !!el && !el.id.endsWith(old);
          }, oldLeader),
        60000,
      );
      if ((await page.textContent("#play")).includes("Pause")) await page.click("#play");
      const newLeader = await leaderOf(page, "orders-3");
      await page.click("#tab-partitions");
      const isr = await page.textContent('tr[data-partition="orders-3"] .isr-cell');
      if (isr.split(",").map((s) => s.trim()).includes(oldLeader.slice(1))) throw new Error(`ISR ${isr} still contains ${oldLeader}`);
      const said = await page.textContent("#narration");
      await page.screenshot({ path: path.join(artifacts, "crash-leader.png") });
      console.log(`     orders-3 leader ${oldLeader} -> ${newLeader}, ISR now ${isr}`);
      if (!said) throw new Error("no narration");
      await page.setViewportSize({ width: 1600, height: 1000 });
    },
  },
  {
    name: "guided-lesson",
    async run(page, { base, artifacts }) {
      await page.setViewportSize({ width: 1280, height: 720 });
      await waitForApp(page, base);
      await openLesson(page, "replication-playground");
      // Beat 1 appears at once; Continue plays to beat 2, and on to beat 3's question.
      await page.waitForSelector("#caption .beat-no:has-text('1 /')");
      await page.click("#continue");
      await page.waitForSelector("#caption .beat-no:has-text('2 /')", { timeout: 20000 });
      await page.click("#continue");
      await page.waitForSelector("#choice-0", { timeout: 20000 });
      const question = await page.textContent("#caption .question");
      // The question blocks Play until the class answers.
      const stepBefore = await page.textContent(".step-no");
      await page.click("#play");
      await page.waitForTimeout(600);
      if ((await page.textContent(".step-no")) !== stepBefore) throw new Error("Play went on past an unanswered question");
      if (!(await page.textContent("#play")).includes("Play")) throw new Error("Play started with a question open");
      await page.screenshot({ path: path.join(artifacts, "guided-question.png") });
      // Answer B ("Stay where it is"): the run goes on to the reveal, which the run computes.
      await page.keyboard.press("b");
      await page.waitForSelector("#answer", { timeout: 30000 });
      const answer = await page.textContent("#answer");
      const right = await page.$$eval(".choice.right", (els) => els.map((e) => e.textContent));
      if (right.length === 0) throw new Error(`no choice marked right: ${answer}`);
      // The revealed value is the stage's high watermark of orders-0 at that moment.
      const hw = await page.$eval('.rep.leader[id^="r-orders-0-"], .prow .poffsets', (el) => el.textContent);
      await page.screenshot({ path: path.join(artifacts, "guided-answer.png") });
      await page.click("#continue");
      await page.waitForSelector("#caption .beat-no:has-text('4 /')", { timeout: 30000 });
      console.log(`     asked "${question.trim()}"; revealed "${answer.trim()}"; right: ${right.join(" | ")}; stage ${hw.trim()}`);
      await page.setViewportSize({ width: 1600, height: 1000 });
    },
  },
  {
    name: "presenter-mode",
    async run(page, { base, artifacts }) {
      await page.setViewportSize({ width: 1280, height: 720 });
      await waitForApp(page, base);
      await openLesson(page, "replication-playground");
      await page.keyboard.press("p");
      await page.waitForSelector(".page.presenter");
      const size = await page.$eval("#caption", (el) => parseFloat(getComputedStyle(el).fontSize));
      const narration = await page.$eval("#narration .lines", (el) => parseFloat(getComputedStyle(el).fontSize));
      if (size < 20 || narration < 20) throw new Error(`presenter text too small: caption ${size}px, narration ${narration}px`);
      // A clicker: PageDown continues from the caption and plays to the next beat.
      await page.keyboard.press("PageDown");
      await page.waitForSelector("#caption .beat-no:has-text('2 /')", { timeout: 20000 });
      // Space toggles Play.
      await page.keyboard.press("PageDown");
      await page.waitForSelector("#choice-0", { timeout: 20000 });
      await page.keyboard.press("a");
      await page.waitForSelector("#answer", { timeout: 30000 });
      await page.keyboard.press("PageDown");
      await page.waitForFunction(() => document.querySelector("#play").textContent.includes("Pause"));
      await page.keyboard.press(" ");
      await page.waitForFunction(() => document.querySelector("#play").textContent.includes("Play"));
      await page.keyboard.press(" ");
      await page.waitForFunction(() => document.querySelector("#play").textContent.includes("Pause"));
      await page.keyboard.press(" ");
      // PageUp goes back to the previous beat.
      const beatBefore = await page.textContent("#caption");
      await page.keyboard.press("PageUp");
      await page.waitForTimeout(300);
      const beatAfter = await page.textContent("#caption");
      if (beatBefore === beatAfter) throw new Error("PageUp did not go back a beat");
      // "?" lists every shortcut.
      await page.keyboard.press("?");
      await page.waitForSelector("#help-overlay");
      const help = await page.textContent("#help-overlay");
      for (const key of ["Space", "PageDown", "PageUp", "P"]) if (!help.includes(key)) throw new Error(`help does not list ${key}`);
      await page.screenshot({ path: path.join(artifacts, "presenter-help.png") });
      await page.keyboard.press("Escape");
      await page.screenshot({ path: path.join(artifacts, "presenter.png") });
      // Keys stay apart in grey-scale: their lightness (CIE L*) differs pairwise by at least 7,
      // and every record cell's text keeps 4.5:1 contrast on its key colour.
      const keys = await page.evaluate(() => {
        const lin = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
        const lum = (css) => { const [r, g, b] = css.match(/\d+(\.\d+)?/g).map(Number); return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b); };
        const lstar = (y) => (y > 0.008856 ? 116 * Math.cbrt(y) - 16 : 903.3 * y);
        const host = document.querySelector(".blocks") || document.body;
        const out = [];
        for (let k = 1; k <= 7; k++) {
          const el = document.createElement("span");
          el.className = `rec k${k} committed`;
          el.textContent = "key";
          host.appendChild(el);
          const st = getComputedStyle(el);
          const bg = lum(st.backgroundColor), fg = lum(st.color);
          const contrast = (Math.max(bg, fg) + 0.05) / (Math.min(bg, fg) + 0.05);
          out.push({ k, l: lstar(bg), contrast });
          el.remove();
        }
        return out;
      });
      for (const a of keys) {
        if (a.contrast < 4.5) throw new Error(`key ${a.k}: text contrast ${a.contrast.toFixed(2)}`);
        for (const b of keys) if (a.k < b.k && Math.abs(a.l - b.l) < 7) throw new Error(`keys ${a.k} and ${b.k} look alike in grey-scale: L* ${a.l.toFixed(0)} vs ${b.l.toFixed(0)}`);
      }
      console.log(`     caption ${size}px, narration ${narration}px; key lightness ${keys.map((k) => k.l.toFixed(0)).join(" ")}`);
      await page.keyboard.press("p");
      await page.setViewportSize({ width: 1600, height: 1000 });
    },
  },
  {
    name: "bad-input-shows-a-message",
    async run(page, { base }) {
      await waitForApp(page, base, "#run=not-base64!!");
      await page.waitForSelector(".notice.error");
      const text = await page.textContent(".notice.error");
      if (!text.includes("could not be opened")) throw new Error(`unexpected notice: ${text}`);
      await page.click(".notice .dismiss");
      await page.click("#tab-lesson");
      await page.click(".own-lesson summary");
      await page.fill(".own-lesson textarea", '{"version": 1, "id": "x", "title": "x", "cluster": {"brokers": 0}}');
      await page.click("text=Load pasted lesson");
      const error = await page.textContent(".notice.error");
      if (!error.includes("brokers")) throw new Error(`lesson error does not name the field: ${error}`);
      // The app still works after both errors.
      await page.click("#step");
    },
  },
  {
    name: "linger-expires",
    async run(page, { base, artifacts }) {
      await waitForApp(page, base);
      await page.click("#tab-producer");
      // Raise linger.ms in the config panel: a record now waits two simulated seconds for company.
      await page.fill("#cfg-linger\\.ms", "2000");
      await page.press("#cfg-linger\\.ms", "Enter");
      await page.waitForSelector('.chip:has-text("linger.ms") >> text=2000');
      await page.fill("#send-key", "alice");
      await page.click("#send");
      await clickStepUntil(page, ".acc-batch .linger", 40);
      const countdown = await page.textContent(".acc-batch .linger-text");
      await page.screenshot({ path: path.join(artifacts, "linger-countdown.png") });
      const clicks = await clickStepUntil(page, ".sent li .reason.linger", 600);
      const reason = await page.textContent(".sent li:first-child .reason");
      if (reason.trim() !== "linger.ms expired") throw new Error(`the newest batch left because: ${reason}`);
      await page.click("#details");
      const trace = await page.textContent("#trace");
      if (!trace.includes("LingerExpired")) throw new Error("the Details trace does not show the linger timer");
      await page.screenshot({ path: path.join(artifacts, "linger-expired.png") });
      console.log(`     countdown showed ${countdown}; batch left after ${clicks} more steps`);
    },
  },
  {
    name: "bad-config-value",
    async run(page, { base }) {
      await waitForApp(page, base);
      await page.click("#tab-producer");
      await page.fill("#cfg-batch\\.size", "-5");
      await page.press("#cfg-batch\\.size", "Enter");
      const error = await page.textContent(".config-error");
      if (!error.includes("batch.size")) throw new Error(`no validation message: ${error}`);
      const chip = await page.textContent('.chip:has-text("batch.size")');
      if (!chip.includes("16 KB")) throw new Error(`batch.size changed anyway: ${chip}`);
    },
  },
  {
    name: "batching-lesson",
    async run(page, { base, artifacts }) {
      await waitForApp(page, base);
      await openLesson(page, "batching-step-by-step");
      await page.click("#tab-producer");
      await setSpeed(page, 4); // 2x
      await playUntil(page, async () => (await page.locator(".sent li .reason.full").count()) > 0, 60000);
      await page.screenshot({ path: path.join(artifacts, "batching-full.png") });
      await setSpeed(page, 6); // 10x
      await playUntil(page, async () => (await page.locator(".acc-row.sticky").count()) > 0, 60000);
      if ((await page.textContent("#play")).includes("Pause")) await page.click("#play");
      const chart = await page.textContent('.chart[data-metric="records-per-request-avg"] .metric-value');
      if (chart.trim() === "-") throw new Error("records-per-request-avg has no value after 10 s");
      await page.screenshot({ path: path.join(artifacts, "batching-sticky.png") });
      console.log(`     records-per-request-avg ${chart.trim()}`);
    },
  },
  {
    name: "add-consumer-rebalances",
    async run(page, { base, artifacts }) {
      await waitForApp(page, base);
      await openLesson(page, "adding-partitions-moves-keys");
      await page.click("#tab-consumer");
      await setSpeed(page, 6); // 10x
      await playUntil(page, async () => {
        const m = await page.$('.group-card[data-group="shipping"] .member.m1 .member-parts');
        const text = m ? await m.textContent() : "";
        return text.includes("orders-0") && text.includes("orders-1");
      }, 60000);
      if ((await page.textContent("#play")).includes("Pause")) await page.click("#play");
      const before = await page.textContent('.group-card[data-group="shipping"] .member.m1 .member-parts');
      await page.fill("#add-consumer-group", "shipping");
      await page.click("#add-consumer");
      await page.waitForSelector('.consumer-card[data-consumer="c2"]');
      await playUntil(page, async () => {
        const m = await page.$('.group-card[data-group="shipping"] .member.m2 .member-parts');
        return m && (await m.textContent()).includes("orders-");
      }, 60000);
      if ((await page.textContent("#play")).includes("Pause")) await page.click("#play");
      const after = await page.textContent('.group-card[data-group="shipping"] .member.m1 .member-parts');
      const c2 = await page.textContent('.group-card[data-group="shipping"] .member.m2 .member-parts');
      if (after.split(" ").length >= before.split(" ").length) {
        throw new Error(`c1 still owns ${after} after c2 joined (before: ${before}; c2: ${c2})`);
      }
      // The stage shows the new member in its group card.
      await page.waitForSelector("#n-c2");
      await page.screenshot({ path: path.join(artifacts, "add-consumer.png") });
      console.log(`     c1 ${before} -> ${after}; c2 ${c2}`);
    },
  },
  {
    name: "assignor-calculator",
    async run(page, { base, artifacts }) {
      await waitForApp(page, base);
      await page.click("#tab-assignor");
      await page.selectOption("#assignor-pick", "roundrobin");
      await page.click("#assign-run");
      await page.waitForSelector("#assign-result tbody tr");
      const rows = await page.$$eval("#assign-result tbody tr", (trs) => trs.map((tr) => tr.textContent));
      if (rows.length < 2) throw new Error(`expected a row per member, got ${JSON.stringify(rows)}`);
      await page.screenshot({ path: path.join(artifacts, "assignor-calculator.png") });
      await page.fill("#assign-case", "{ not json");
      await page.click("#assign-run");
      const error = await page.textContent("#assign-error");
      if (!error || error.trim().length < 5) throw new Error("no error message for bad input");
      await page.click("#step");
      console.log(`     ${rows.length} members; bad input: ${error.trim().slice(0, 80)}`);
    },
  },
  {
    name: "console-topics-and-groups",
    async run(page, { base, artifacts }) {
      await waitForApp(page, base);
      await openLesson(page, "queue-vs-pub-sub");
      await page.click("#tab-console");
      await page.waitForSelector("#console-input");
      const type = (line) => typeConsoleLine(page, line);
      // Tab completes the tool's name, then an option.
      await expectTab(page, "kafka-to", "kafka-topics.sh ");
      await expectTab(page, "--bootstr", "kafka-topics.sh --bootstrap-server ", { append: true });
      const describe = await type("kafka-topics.sh --bootstrap-server b1:9092 --describe --topic orders");
      if (!describe.includes("PartitionCount: 2") || !describe.includes("Partition: 1")) throw new Error(`describe printed ${describe}`);
      const created = await type("kafka-topics.sh --bootstrap-server b1:9092 --create --topic demo --partitions 3 --replication-factor 2");
      if (!created.includes("Created topic demo.")) throw new Error(`create printed ${created}`);
      // The new topic is on the stage like any other.
      await page.waitForFunction(() => document.querySelector(".stage").innerText.includes("demo-2"), null, { timeout: 10000 });
      // Produce with keys: every line typed while the producer runs is a record.
      await type("kafka-console-producer.sh --bootstrap-server b1:9092 --topic demo --property parse.key=true --property key.separator=:");
      for (const record of ["alice:hello", "bob:hi", "alice:again"]) {
        await page.fill("#console-input", record);
        await page.press("#console-input", "Enter");
        await page.waitForFunction((r) => document.querySelector(".console-entry:last-child").innerText.includes(">" + r), record);
      }
      await page.press("#console-input", "Control+d");
      await page.waitForSelector("#console-stop", { state: "detached" });
      // Consume from the beginning in a group: a real consumer, printing while the run plays.
      await type("kafka-console-consumer.sh --bootstrap-server b1:9092 --topic demo --from-beginning --group demo-readers --max-messages 3 --property print.key=true");
      await page.waitForSelector("#console-stop");
      const consumed = async () => (await page.$eval(".console-entry:last-child", (el) => el.innerText)).includes("Processed a total of 3 messages");
      await playUntil(page, consumed, 60000);
      if ((await page.textContent("#play")).includes("Pause")) await page.click("#play");
      const printed = await page.$eval(".console-entry:last-child", (el) => el.innerText);
      for (const line of ["alice\thello", "bob\thi", "alice\tagain"]) {
        if (!printed.includes(line)) throw new Error(`the consumer printed ${printed}`);
      }
      await type("sleep 2");
      const described = await type("kafka-consumer-groups.sh --bootstrap-server b1:9092 --describe --group demo-readers");
      if (!described.includes("demo-readers") || !described.includes("LOG-END-OFFSET")) throw new Error(`describe printed ${described}`);
      const bad = await type("kafka-topics.sh --bootstrap-server b1:9092 --describe --topic nope");
      if (!bad.includes("Topic 'Optional[nope]' does not exist as expected")) throw new Error(`unknown topic printed ${bad}`);
      await type("sleep 8");
      const groups = await type("kafka-consumer-groups.sh --bootstrap-server b1:9092 --describe --group billing");
      if (!groups.includes("CURRENT-OFFSET") || !groups.includes("consumer-billing-")) throw new Error(`groups printed ${groups}`);
      // ↑ brings back the last line typed.
      await page.press("#console-input", "ArrowUp");
      const value = await page.inputValue("#console-input");
      if (!value.startsWith("kafka-consumer-groups.sh")) throw new Error(`ArrowUp gave "${value}"`);
      await page.fill("#console-input", "");
      await page.setViewportSize({ width: 1280, height: 720 });
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(artifacts, "console-1280.png") });
      await page.setViewportSize({ width: 1920, height: 1080 });
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(artifacts, "console-1920.png") });
      console.log(`     ${groups.split("\n").filter((l) => l.startsWith("billing")).length} group rows`);
    },
  },
  {
    name: "console-lesson-actions",
    async run(page, { base, artifacts }) {
      await waitForApp(page, base);
      await openLesson(page, "offsets-per-partition");
      // The lesson types kafka-get-offsets.sh at 700 ms: the Console opens with its output.
      const typed = async () => (await page.locator(".console-entry.from-lesson").count()) > 0;
      await playUntil(page, typed, 60000);
      if ((await page.textContent("#play")).includes("Pause")) await page.click("#play");
      const entry = await page.$eval(".console-entry.from-lesson", (el) => el.innerText);
      if (!entry.includes("kafka-get-offsets.sh --bootstrap-server b1:9092 --topic events")) throw new Error(`the lesson typed ${entry}`);
      if (!entry.includes("events:0:3") || !entry.includes("events:1:3")) throw new Error(`get-offsets printed ${entry}`);
      if (!entry.includes("lesson")) throw new Error(`the entry is not marked as the lesson's: ${entry}`);
      // Rewinding hides it; going forward again types it once more, not twice.
      await scrubTo(page, 5);
      await page.waitForFunction(() => document.querySelectorAll(".console-entry.from-lesson").length === 0, null, { timeout: 10000 });
      await playUntil(page, typed, 60000);
      if ((await page.textContent("#play")).includes("Pause")) await page.click("#play");
      const count = await page.locator(".console-entry.from-lesson").count();
      if (count !== 1) throw new Error(`${count} lesson entries after the replay`);
      // The class types the consumer perf test: a real consumer reads on the simulated clock.
      await page.waitForSelector("#console-input");
      await typeConsoleLine(page, "kafka-consumer-perf-test.sh --bootstrap-server b1:9092 --topic events --messages 6 --group perf");
      await page.waitForSelector("#console-stop");
      const summary = async () => /, 6, /.test(await page.$eval(".console-entry:last-child", (el) => el.innerText));
      await playUntil(page, summary, 60000);
      if ((await page.textContent("#play")).includes("Pause")) await page.click("#play");
      const perf = await page.$eval(".console-entry:last-child", (el) => el.innerText);
      if (!perf.includes("start.time, end.time, data.consumed.in.MB")) throw new Error(`perf test printed ${perf}`);
      await page.setViewportSize({ width: 1280, height: 720 });
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(artifacts, "console-lesson-1280.png") });
      await page.setViewportSize({ width: 1920, height: 1080 });
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(artifacts, "console-lesson-1920.png") });
      console.log(`     ${perf.split("\n").pop()}`);
    },
  },
  {
    name: "console-delete-and-inspect",
    async run(page, { base, artifacts }) {
      await waitForApp(page, base);
      await openLesson(page, "queue-vs-pub-sub");
      await page.click("#tab-console");
      await page.waitForSelector("#console-input");
      const type = (line) => typeConsoleLine(page, line);
      await expectTab(page, "kafka-meta", "kafka-metadata-quorum.sh ");
      await page.fill("#console-input", "");
      const created = await type("kafka-topics.sh --bootstrap-server b1:9092 --create --topic scratch --partitions 2");
      if (!created.includes("Created topic scratch.")) throw new Error(`create printed ${created}`);
      await page.waitForFunction(() => document.querySelector(".stage").innerText.includes("scratch-1"), null, { timeout: 10000 });
      // A real deletion: the controller removes the topic and the stage stops drawing it.
      const deleted = await type("kafka-topics.sh --bootstrap-server b1:9092 --delete --topic scratch");
      if (deleted.includes("Error")) throw new Error(`delete printed ${deleted}`);
      await type("sleep 1");
      await page.waitForFunction(() => !document.querySelector(".stage").innerText.includes("scratch-"), null, { timeout: 10000 });
      const listed = await type("kafka-topics.sh --bootstrap-server b1:9092 --list --exclude-internal");
      if (listed.includes("scratch")) throw new Error(`list still printed ${listed}`);
      const again = await type("kafka-topics.sh --bootstrap-server b1:9092 --delete --topic scratch");
      if (!again.includes("Topic 'Optional[scratch]' does not exist as expected")) throw new Error(`second delete printed ${again}`);
      const quorum = await type("kafka-metadata-quorum.sh --bootstrap-server b1:9092 describe --status");
      if (!/LeaderId:\s+3001/.test(quorum) || !quorum.includes("CurrentVoters:")) throw new Error(`quorum printed ${quorum}`);
      const dirs = await type("kafka-log-dirs.sh --bootstrap-server b1:9092 --describe --topic-list orders");
      if (!dirs.includes('"partition":"orders-0"') || !dirs.includes('"version":1')) throw new Error(`log-dirs printed ${dirs}`);
      await type("kafka-producer-perf-test.sh --topic orders --num-records 300 --record-size 100 --throughput 50 --producer-props bootstrap.servers=b1:9092 acks=all");
      await page.waitForSelector("#console-stop");
      const finished = async () => (await page.$eval(".console-entry:last-child", (el) => el.innerText)).includes("ms 99.9th.");
      await playUntil(page, finished, 90000);
      if ((await page.textContent("#play")).includes("Pause")) await page.click("#play");
      const perf = await page.$eval(".console-entry:last-child", (el) => el.innerText);
      if (!perf.includes("300 records sent,")) throw new Error(`perf test printed ${perf}`);
      await page.setViewportSize({ width: 1280, height: 720 });
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(artifacts, "console-delete-1280.png") });
      await page.setViewportSize({ width: 1920, height: 1080 });
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(artifacts, "console-delete-1920.png") });
      console.log(`     ${perf.split("\n").filter((l) => l.includes("records sent")).pop()}`);
    },
  },
  {
    name: "console-configs",
    async run(page, { base, artifacts }) {
      await waitForApp(page, base);
      await openLesson(page, "queue-vs-pub-sub");
      await page.click("#tab-console");
      await page.waitForSelector("#console-input");
      const type = (line) => typeConsoleLine(page, line);
      // Tab completes the new tool and its options.
      await expectTab(page, "kafka-conf", "kafka-configs.sh ");
      await expectTab(page, "--entity-ty", "kafka-configs.sh --entity-type ", { append: true });
      await page.fill("#console-input", "");
      const altered = await type("kafka-configs.sh --bootstrap-server b1:9092 --alter --entity-type topics --entity-name orders --add-config retention.ms=60000,min.insync.replicas=2");
      if (!altered.includes("Completed updating config for topic orders.")) throw new Error(`alter printed ${altered}`);
      const described = await type("kafka-configs.sh --bootstrap-server b1:9092 --describe --topic orders");
      if (!described.includes("Dynamic configs for topic orders are:") || !described.includes("synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=60000")) throw new Error(`describe printed ${described}`);
      const topic = await type("kafka-topics.sh --bootstrap-server b1:9092 --describe --topic orders");
      if (!topic.includes("Configs: min.insync.replicas=2,retention.ms=60000")) throw new Error(`topics printed ${topic}`);
      await type("kafka-configs.sh --bootstrap-server b1:9092 --alter --entity-type brokers --entity-default --add-config log.retention.ms=3600000");
      const brokers = await type("kafka-configs.sh --bootstrap-server b1:9092 --describe --entity-type brokers --entity-default");
      if (!brokers.includes("DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000")) throw new Error(`brokers printed ${brokers}`);
      const bad = await type("kafka-configs.sh --bootstrap-server b1:9092 --alter --topic orders --add-config retention.ms=abc");
      if (!bad.includes("Invalid value abc for configuration retention.ms: Not a number of type LONG")) throw new Error(`bad value printed ${bad}`);
      await type("sleep 8");
      const reset = await type("kafka-consumer-groups.sh --bootstrap-server b1:9092 --reset-offsets --group billing --topic orders --to-earliest --dry-run");
      if (!reset.includes("is inactive, but the current state is Stable.")) throw new Error(`reset printed ${reset}`);
      // Replicas placed by hand, offsets by --topic-partitions, a consumer at a partition's offset.
      const placed = await type("kafka-topics.sh --bootstrap-server b1:9092 --create --topic placed --replica-assignment 1:2,2:3");
      if (!placed.includes("Created topic placed.")) throw new Error(`replica-assignment printed ${placed}`);
      await page.waitForFunction(() => document.querySelector(".stage").innerText.includes("placed-1"), null, { timeout: 10000 });
      await type("sleep 1");
      const offsets = await type("kafka-get-offsets.sh --bootstrap-server b1:9092 --topic-partitions orders:0-2,placed:1");
      if (!/orders:0:\d+/.test(offsets) || !/orders:1:\d+/.test(offsets) || !offsets.includes("placed:1:0")) throw new Error(`get-offsets printed ${offsets}`);
      await type("kafka-console-consumer.sh --bootstrap-server b1:9092 --topic orders --partition 1 --offset 2 --max-messages 2 --timeout-ms 20000 --property print.offset=true");
      await page.waitForSelector("#console-stop");
      const read = async () => (await page.$eval(".console-entry:last-child", (el) => el.innerText)).includes("Processed a total of");
      await playUntil(page, read, 60000);
      if ((await page.textContent("#play")).includes("Pause")) await page.click("#play");
      const partition = await page.$eval(".console-entry:last-child", (el) => el.innerText);
      if (!partition.includes("Offset:2\t") || !partition.includes("Processed a total of 2 messages")) throw new Error(`the partition consumer printed ${partition}`);
      await page.setViewportSize({ width: 1280, height: 720 });
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(artifacts, "console-configs-1280.png") });
      await page.setViewportSize({ width: 1920, height: 1080 });
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(artifacts, "console-configs-1920.png") });
      console.log(`     ${described.split("\n").filter((l) => l.startsWith("  ")).length} dynamic topic configs described`);
    },
  },
  {
    name: "catalogue-and-progress",
    async run(page, { base, artifacts }) {
      await waitForApp(page, base);
      await page.click("#open-catalogue");
      await page.waitForSelector("#catalogue");
      const sections = await page.$$eval(".course-section h3", (els) => els.map((e) => e.textContent));
      for (const s of ["Basics", "Producers", "Replication and failures", "Consumers and groups", "Storage", "Transactions"]) {
        if (!sections.includes(s)) throw new Error(`the catalogue has no ${s} section: ${sections}`);
      }
      const titles = await page.$$eval(".lc-title", (els) => els.map((e) => e.textContent));
      const coded = titles.filter((t) => /^[A-Z]\d+:/.test(t));
      if (coded.length) throw new Error(`titles with internal codes: ${coded}`);
      await page.screenshot({ path: path.join(artifacts, "catalogue.png") });
      await page.keyboard.press("Escape");
      // Progress is kept in local storage: a beat seen counts.
      await page.click("#continue");
      await page.waitForTimeout(1500);
      const stored = await page.evaluate(() => localStorage.getItem("kafka-classroom.progress"));
      if (!stored || !stored.includes("keys-pick-partitions")) throw new Error(`progress not stored: ${stored}`);
      console.log(`     ${titles.length} lessons in ${sections.length} sections; progress ${stored}`);
    },
  },
  {
    name: "tuning-lab",
    async run(page, { base, artifacts }) {
      await waitForApp(page, base);
      await openLesson(page, "tuning-lab");
      await page.click("#tab-lesson");
      // Frame intervals while the lab runs: the page should stay smooth (printed, not asserted).
      await page.evaluate(() => {
        window.__labFrames = [];
        let last = performance.now();
        const tick = (now) => {
          window.__labFrames.push(now - last);
          last = now;
          if (!document.querySelector("#lab-verdict")) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
      const started = Date.now();
      await page.click("#run-lab");
      // The lab runs in a worker (static/lab-worker.js, allowed by the content security policy),
      // not in the page's fallback slices.
      await page.waitForFunction(() => Number(document.querySelector("#lab-progress")?.value) > 0, null, { timeout: 60000 });
      if (page.workers().length === 0) throw new Error("the lab did not start a Web Worker");
      await page.waitForFunction(() => Number(document.querySelector("#lab-progress")?.value) > 50, null, { timeout: 60000 });
      await page.click("#step");
      await page.screenshot({ path: path.join(artifacts, "tuning-lab-running.png") });
      await page.waitForSelector("#lab-verdict", { timeout: 600000 });
      const wall = (Date.now() - started) / 1000;
      const cells = await page.$$eval("#lab-results tbody tr", (rows) =>
        Object.fromEntries(rows.map((r) => [r.querySelector("th").textContent, [...r.querySelectorAll("td")].map((td) => td.textContent)])),
      );
      const seconds = cells["ingestion time (simulated)"].map((t) => parseFloat(t));
      const ratio = seconds[0] / seconds[1];
      if (!(ratio > 5)) throw new Error(`tuned run only ${ratio.toFixed(1)}x faster: ${JSON.stringify(cells)}`);
      await page.screenshot({ path: path.join(artifacts, "tuning-lab.png") });
      const frames = await page.evaluate(() => window.__labFrames.slice(1));
      const slow = frames.filter((f) => f > 50).length;
      const worst = Math.max(0, ...frames);
      console.log(`     lab finished in ${wall.toFixed(1)} s of wall time in Chromium: ${seconds[0]} s vs ${seconds[1]} s simulated (${ratio.toFixed(1)}x); page frames while it ran: ${frames.length}, over 50 ms: ${slow}, worst ${worst.toFixed(0)} ms`);
    },
  },
  {
    name: "panic-shows-overlay",
    // The deliberate panic logs itself; nothing else may.
    allowedErrors: [/deliberate panic for testing the overlay/],
    async run(page, { base, artifacts }) {
      await waitForApp(page, base);
      for (let i = 0; i < 6; i++) await page.click("#step");
      const step = Number((await page.textContent(".step-no")).replace(/\D/g, ""));
      // A test-only export: no button or key reaches it.
      await page.evaluate(() => {
        try {
          window.wasmBindings.test_only_panic("from the e2e test");
        } catch (e) {}
      });
      await page.waitForSelector("#panic-overlay", { timeout: 5000 });
      const message = await page.textContent("#panic-message");
      if (!message.includes("from the e2e test")) throw new Error(`the overlay does not show the error: ${message}`);
      const label = await page.textContent("#panic-reload");
      if (label !== `Reload at step ${step}`) throw new Error(`reload button says "${label}", the page was at step ${step}`);
      await page.screenshot({ path: path.join(artifacts, "panic-overlay.png") });
      await page.setViewportSize({ width: 1280, height: 720 });
      await page.screenshot({ path: path.join(artifacts, "panic-overlay-1280.png") });
      await page.setViewportSize({ width: 1600, height: 1000 });
      await page.click("#panic-reload");
      await page.waitForSelector(".stage .prow", { timeout: 30000 });
      await page.waitForFunction((s) => document.querySelector(".step-no")?.textContent === `step ${s}`, step, { timeout: 30000 });
      if ((await page.locator("#panic-overlay").count()) > 0) throw new Error("the overlay survived the reload");
      const url = page.url();
      if (url.includes("recovered=") || !url.includes("#run=")) throw new Error(`unexpected address after recovery: ${url}`);
      await page.click("#step");
      console.log(`     overlay offered step ${step}; the reload reopened it`);
    },
  },
  {
    name: "content-security-policy",
    allowedErrors: [/Content Security Policy/],
    async run(page, { base }) {
      await waitForApp(page, base);
      const policy = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', "content");
      if (!/script-src 'self' 'wasm-unsafe-eval'/.test(policy)) throw new Error(`unexpected policy: ${policy}`);
      const inline = await page.evaluate(() => document.querySelectorAll("script:not([src])").length);
      if (inline !== 0) throw new Error(`${inline} inline script(s) in the page`);
      // An injected inline script is refused.
      const ran = await page.evaluate(async () => {
        const s = document.createElement("script");
        s.textContent = "window.__injected = true;";
        document.body.appendChild(s);
        await new Promise((r) => setTimeout(r, 50));
        return window.__injected === true;
      });
      if (ran) throw new Error("an inline script ran despite the policy");
      await page.click("#step");
    },
  },
  {
    name: "monkey",
    async run(page, { base, artifacts }) {
      const seed = Number(process.env.KC_MONKEY_SEED ?? Math.floor(Math.random() * 2 ** 31));
      const actions = Number(process.env.KC_MONKEY_ACTIONS ?? 1000);
      const started = Date.now();
      const log = await monkey(page, base, { seed, actions });
      await page.screenshot({ path: path.join(artifacts, "monkey-end.png") });
      const kinds = {};
      for (const a of log) kinds[a.split(" ")[0]] = (kinds[a.split(" ")[0]] ?? 0) + 1;
      console.log(`     monkey seed ${seed}: ${log.length} actions in ${((Date.now() - started) / 1000).toFixed(0)} s (${JSON.stringify(kinds)}), 0 console errors, no panic`);
    },
  },
  ...txnScenarios,
];
