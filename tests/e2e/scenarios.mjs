// The end-to-end scenarios: what a teacher does in front of a class, checked on screen.

import path from "node:path";

async function waitForApp(page, base, hash = "") {
  await page.goto(base + hash);
  await page.waitForSelector("#step", { timeout: 30000 });
}

async function clickStepUntil(page, selector, maxClicks) {
  for (let i = 0; i < maxClicks; i++) {
    if ((await page.locator(selector).count()) > 0) return i;
    await page.click("#step");
  }
  if ((await page.locator(selector).count()) > 0) return maxClicks;
  throw new Error(`${selector} did not appear after ${maxClicks} steps`);
}

export const scenarios = [
  {
    name: "first-slice",
    async run(page, { base, artifacts }) {
      await waitForApp(page, base);
      const title = await page.textContent(".lesson-title");
      if (!title.includes("Keys pick partitions")) throw new Error(`unexpected lesson: ${title}`);
      // Step until the first record lands in a partition strip.
      const clicks = await clickStepUntil(page, ".strip .cell", 40);
      const offset = await page.getAttribute(".strip .cell", "data-offset");
      if (offset !== "0") throw new Error(`first cell shows offset ${offset}, expected 0`);
      const log = await page.textContent(".log .lines");
      if (!log.includes("appended @0..0")) throw new Error("the event log does not narrate the append");
      // Play for a while, then pause: more records arrive.
      await page.click("#play");
      await page.waitForFunction(() => document.querySelectorAll(".strip .cell").length >= 5, null, { timeout: 20000 });
      await page.click("#play");
      const cells = await page.locator(".strip .cell").count();
      await page.screenshot({ path: path.join(artifacts, "first-slice.png") });
      console.log(`     first cell after ${clicks} steps; ${cells} cells after play`);
    },
  },
  {
    name: "send-keyed-record",
    async run(page, { base, artifacts }) {
      await waitForApp(page, base);
      await page.click("text=Producer");
      await page.fill("#send-key", "foobar");
      await page.fill("#send-value", "from-the-class");
      await page.click("#send");
      // murmur2("foobar") % 3 == 0: the record must land in orders-0 on whichever broker leads it.
      await clickStepUntil(page, '.replica.leader[data-partition="orders-0"] .cell[title*="from-the-class"]', 60);
      await page.screenshot({ path: path.join(artifacts, "send-keyed-record.png") });
    },
  },
  {
    name: "bad-input-shows-a-message",
    async run(page, { base }) {
      await waitForApp(page, base, "#run=not-base64!!");
      await page.waitForSelector(".notice.error");
      const text = await page.textContent(".notice.error");
      if (!text.includes("could not be opened")) throw new Error(`unexpected notice: ${text}`);
      await page.click(".dismiss");
      await page.click("text=Lesson");
      await page.click("summary");
      await page.fill("textarea", '{"version": 1, "id": "x", "title": "x", "cluster": {"brokers": 0}}');
      await page.click("text=Load pasted lesson");
      const error = await page.textContent(".notice.error");
      if (!error.includes("brokers")) throw new Error(`lesson error does not name the field: ${error}`);
      // The app still works after both errors.
      await page.click("#step");
    },
  },
];
