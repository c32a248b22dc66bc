// Transactions by hand, as a teacher does it in front of a class: make a plain producer
// transactional from its menu, initTransactions(), begin, send, abort, begin, send, commit, all
// with real clicks; then check the stage draws the aborted records struck through, the ABORT and
// COMMIT markers, and the producer's badge. Screenshots at 1280x720 and 1920x1080, also of the
// exactly-once-pipeline lesson's badge.

import path from "node:path";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { waitForApp, setSpeed, runLink } from "./scenarios.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const SANDBOX = fs.readFileSync(path.join(here, "..", "data", "txn-sandbox.json"), "utf8");

/// A link that opens the sandbox lesson (a teacher's own file) at step 0.
function sandboxLink() {
  const run = { lesson: { custom: SANDBOX }, seed: 3, step: 0, commands: [] };
  return "#run=" + Buffer.from(JSON.stringify(run)).toString("base64url");
}

async function badgeState(page) {
  return (await page.textContent("#txn-p1 .txn-state"))?.trim();
}

/// Play until `done()` holds (going on past a lesson's beats), then pause.
async function playUntil(page, done, what, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    if ((await page.locator("#continue").count()) > 0) await page.click("#continue");
    else if ((await page.textContent("#play")).includes("Play")) await page.click("#play");
    await page.waitForTimeout(100);
  }
  if ((await page.textContent("#play")).includes("Pause")) await page.click("#play");
}

async function untilState(page, state) {
  await playUntil(page, async () => (await badgeState(page)) === state, `p1 ${state}`);
}

/// A menu item of a producer (p1 unless named), clicked on the stage.
async function menu(page, label, node = "p1") {
  await page.click(`#n-${node}`);
  const item = page.locator(`#node-menu .menu-item:text-is("${label}")`);
  if ((await item.getAttribute("aria-disabled")) === "true") {
    throw new Error(`${label} is greyed out: ${await item.getAttribute("title")}`);
  }
  await item.click();
  await page.waitForSelector("#node-menu", { state: "detached" });
}

/// The Details trace's newest lines name `call` as the application wrote it (and no command as
/// JSON); back to the producer panel after.
async function traceShows(page, call) {
  await page.click("#details");
  const trace = await page.textContent("#trace");
  if (!trace.includes(call)) throw new Error(`the trace does not show ${call}`);
  if (/command action:/.test(trace)) throw new Error("the trace shows a command as JSON");
  await page.click("#tab-producer");
  await page.waitForSelector("#txn-section");
}

async function send(page, key) {
  await page.fill("#send-key", key);
  await page.fill("#send-value", `${key}-order`);
  await page.click("#send");
}

/// Records whose key text is struck through (the stage's aborted records).
async function struckThrough(page) {
  return page.$$eval(".rec.txn-aborted b", (els) =>
    els.filter((el) => getComputedStyle(el).textDecorationLine.includes("line-through")).length,
  );
}

async function markers(page, sign) {
  return page.$$eval(".rec.txn-marker", (els, s) => els.filter((el) => el.textContent.includes(s)).length, sign);
}

async function transactionsByHand(page, { base, artifacts }) {
  await page.setViewportSize({ width: 1280, height: 720 });
  await waitForApp(page, base, sandboxLink());
  await setSpeed(page, 4);
  if ((await page.locator("#txn-p1").count()) !== 0) throw new Error("a plain producer shows a transaction badge");
  await menu(page, "Make transactional");
  await page.waitForSelector("#txn-p1");
  if ((await badgeState(page)) !== "Not initialized") throw new Error(`badge: ${await badgeState(page)}`);
  // Begin is offered but greyed out, saying why.
  await page.click("#n-p1");
  const why = await page.getAttribute('#node-menu .menu-item:text-is("beginTransaction()")', "title");
  if (!why?.includes("initTransactions() first")) throw new Error(`Begin's tooltip: ${why}`);
  await page.click("#node-menu .dismiss");
  await menu(page, "initTransactions()");
  await untilState(page, "Ready");

  // The rest from the producer panel.
  await page.click("#tab-producer");
  await page.waitForSelector("#txn-section");
  if ((await page.getAttribute("#txn-commit", "aria-disabled")) !== "true") throw new Error("Commit is offered with no transaction open");
  await page.click("#txn-begin");
  await page.waitForFunction(() => document.querySelector("#txn-state")?.textContent === "In transaction");
  await traceShows(page, "p1 beginTransaction()");
  for (const key of ["alice", "bob", "carol"]) await send(page, key);
  await playUntil(page, async () => (await page.locator(".rec.txn-open").count()) >= 3, "open records on the stage");
  await page.screenshot({ path: path.join(artifacts, "txn-open-1280x720.png") });
  await page.click("#txn-abort");
  await traceShows(page, "p1 abortTransaction()");
  await untilState(page, "Ready");
  await playUntil(page, async () => (await markers(page, "✘")) >= 2, "ABORT markers");

  await page.click("#txn-begin");
  for (const key of ["dave", "erin"]) await send(page, key);
  await playUntil(page, async () => (await page.locator("#txn-partitions").textContent()).includes("orders-"), "partitions in the transaction");
  await page.click("#txn-commit");
  await traceShows(page, "p1 commitTransaction()");
  await untilState(page, "Ready");
  await playUntil(page, async () => (await markers(page, "✔")) >= 1, "COMMIT markers");

  const badge = await page.textContent("#txn-p1");
  if (!/Ready/.test(badge) || !/p1-txn/.test(badge) || !/pid \d+/.test(badge) || !/epoch 0/.test(badge)) throw new Error(`badge reads "${badge}"`);
  // An exactly-once pipeline from the panel's form: billing's c3 (read_committed, commits by
  // hand) polls orders, p1 writes each poll to ledger in a transaction with c3's offsets. Only
  // the committed records (dave, erin) come through; p1's own buttons are now the pipeline's.
  await page.click("#txn-section .txn-forms summary");
  await page.selectOption("#txn-pipeline-consumer", "c3");
  await page.selectOption("#txn-pipeline-topic", "ledger");
  await page.click("#txn-pipeline");
  await page.waitForSelector("p#txn-pipeline");
  await playUntil(page, async () => /: [1-9]\d* transactions? committed/.test(await page.textContent("p#txn-pipeline")), "a pipeline transaction", 60000);
  if ((await page.getAttribute("#txn-begin", "aria-disabled")) !== "true") throw new Error("Begin is offered while the pipeline drives p1");
  await playUntil(page, async () => (await page.locator('.rep[id^="r-ledger-0-"] .rec:not(.txn-marker)').count()) >= 2, "ledger records", 60000);
  const pipeline = await page.textContent("p#txn-pipeline");

  const struck = await struckThrough(page);
  if (struck < 3) throw new Error(`only ${struck} aborted record cells are struck through`);
  const aborts = await markers(page, "✘");
  const commits = await markers(page, "✔");
  await page.screenshot({ path: path.join(artifacts, "txn-by-hand-1280x720.png") });
  await page.click("#n-p1");
  await page.screenshot({ path: path.join(artifacts, "txn-menu-1280x720.png") });
  await page.click("#node-menu .dismiss");
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(artifacts, "txn-by-hand-1920x1080.png") });
  console.log(`     ${struck} aborted cells struck through, ${aborts} ABORT and ${commits} COMMIT marker cells; badge "${badge.trim()}"; ${pipeline}`);
  await page.setViewportSize({ width: 1600, height: 1000 });
}

/// The exactly-once lesson's pipeline producer wears its badge on the stage, legible at both
/// sizes; so does the panel's Transactions section.
async function pipelineBadge(page, { base, artifacts }) {
  for (const [w, h] of [[1280, 720], [1920, 1080]]) {
    await page.setViewportSize({ width: w, height: h });
    await waitForApp(page, base, runLink("exactly-once-pipeline", 7, 2400));
    await page.waitForSelector("#txn-p2");
    const badge = await page.textContent("#txn-p2");
    if (!badge.includes("ledger-writer")) throw new Error(`${w}x${h}: p2's badge reads "${badge}"`);
    const box = await page.$eval("#txn-p2", (el) => {
      const r = el.getBoundingClientRect();
      const card = el.closest(".client").getBoundingClientRect();
      return { inside: r.right <= card.right + 0.5 && r.bottom <= card.bottom + 0.5, width: r.width };
    });
    if (!box.inside) throw new Error(`${w}x${h}: the badge spills out of p2's card`);
    await page.screenshot({ path: path.join(artifacts, `txn-pipeline-${w}x${h}.png`) });
    if ((await page.locator(".producer-panel").count()) === 0) await page.click("#tab-producer");
    await page.selectOption(".producer-panel select >> nth=0", "p2");
    await page.waitForSelector("#txn-section .txn-pill");
    await page.screenshot({ path: path.join(artifacts, `txn-pipeline-panel-${w}x${h}.png`) });
    console.log(`     ${w}x${h}: p2 badge "${badge.trim()}"`);
  }
  await page.setViewportSize({ width: 1600, height: 1000 });
}

/// The classroom-scale sandbox (6 brokers, 36 partitions, 8 consumers) with p2 made
/// transactional by clicks and a steady stream started inside one transaction that stays open. The badge must stay inside p2's card. p3
/// (acks=1) cannot be made transactional, and its menu says why.
async function classroomBadge(page, { base, artifacts }) {
  await page.setViewportSize({ width: 1280, height: 720 });
  await waitForApp(page, base, runLink("classroom-scale", 5, 0));
  await setSpeed(page, 4);
  await page.click("#n-p3");
  const why = await page.getAttribute('#node-menu .menu-item:text-is("Make transactional")', "title");
  if (!why?.includes("acks=all")) throw new Error(`p3's Make transactional does not say why not: ${why}`);
  await page.click("#node-menu .dismiss");
  await menu(page, "Make transactional", "p2");
  await menu(page, "initTransactions()", "p2");
  const state = async () => (await page.textContent("#txn-p2 .txn-state"))?.trim();
  await playUntil(page, async () => (await state()) === "Ready", "p2 Ready");
  await menu(page, "beginTransaction()", "p2");
  // The lesson's own stream for p2 started before the transaction and was refused; start one
  // from the producer panel, inside the transaction.
  await page.click("#tab-producer");
  await page.selectOption(".producer-panel select >> nth=0", "p2");
  await page.click('.producer-panel button:has-text("Set rate")');
  await page.click("#tab-producer");
  await playUntil(page, async () => /orders-|clicks-/.test(await page.getAttribute("#txn-p2", "title")), "p2's partitions in its transaction", 60000);
  for (const [w, h] of [[1280, 720], [1920, 1080]]) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(300);
    const fits = await page.$eval("#txn-p2", (el) => {
      const card = el.closest(".client").getBoundingClientRect();
      return [...el.children].every((c) => {
        const r = c.getBoundingClientRect();
        return r.left >= card.left - 0.5 && r.right <= card.right + 0.5 && r.bottom <= card.bottom + 0.5;
      });
    });
    if (!fits) throw new Error(`${w}x${h}: p2's badge spills out of its card`);
    if ((await state()) !== "In transaction") throw new Error(`${w}x${h}: p2 is ${await state()}`);
    await page.screenshot({ path: path.join(artifacts, `txn-classroom-${w}x${h}.png`) });
  }
  // The menu of a transactional producer is long: it stays inside the window at 1280x720.
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.click("#n-p2");
  const menuBox = await page.$eval("#node-menu", (el) => {
    const r = el.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, scrolls: el.scrollHeight > el.clientHeight + 1 };
  });
  if (menuBox.top < 0 || menuBox.bottom > 720) throw new Error(`p2's menu spans ${menuBox.top}-${menuBox.bottom} px`);
  await page.screenshot({ path: path.join(artifacts, "txn-classroom-menu-1280x720.png") });
  await page.click("#node-menu .dismiss");
  console.log(`     p2 "${(await page.textContent("#txn-p2")).trim()}": ${await page.getAttribute("#txn-p2", "title")}; menu ${Math.round(menuBox.top)}-${Math.round(menuBox.bottom)} px${menuBox.scrolls ? " (scrolls)" : ""}`);
  await page.setViewportSize({ width: 1600, height: 1000 });
}

export const txnScenarios = [
  { name: "transactions-by-hand", run: transactionsByHand },
  { name: "transaction-badge-in-lesson", run: pipelineBadge },
  { name: "transaction-badge-classroom-scale", run: classroomBadge },
];
