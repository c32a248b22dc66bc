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

async function setSpeed(page, index) {
  await page.$eval('input[aria-label="Speed"]', (el, i) => {
    el.value = String(i);
    el.dispatchEvent(new Event("input", { bubbles: true }));
  }, index);
}

async function leaderOf(page, partition) {
  return page.$eval(`.broker:has(.replica.leader[data-partition="${partition}"])`, (el) => el.dataset.broker);
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
      await page.click("#tab-producer");
      await page.fill("#send-key", "foobar");
      await page.fill("#send-value", "from-the-class");
      await page.click("#send");
      // murmur2("foobar") % 3 == 0: the record must land in orders-0 on whichever broker leads it.
      await clickStepUntil(page, '.replica.leader[data-partition="orders-0"] .cell[title*="from-the-class"]', 60);
      await page.screenshot({ path: path.join(artifacts, "send-keyed-record.png") });
    },
  },
  {
    name: "crash-leader",
    async run(page, { base, artifacts }) {
      await waitForApp(page, base);
      await page.selectOption("#lesson-pick", "replication-playground");
      await page.waitForSelector('.lesson-title:has-text("Replication playground")');
      await setSpeed(page, 5); // 5x
      await page.click("#play");
      await page.waitForFunction(() => document.querySelectorAll('.replica.leader[data-partition="orders-0"] .cell').length >= 2, null, { timeout: 30000 });
      const oldLeader = await leaderOf(page, "orders-0");
      // Crash the leader of orders-0 from its fault menu, while playing.
      await page.click(`.broker[data-broker="${oldLeader}"] .fault-menu summary`);
      await page.click(`.broker[data-broker="${oldLeader}"] .fault-buttons >> text=Crash`);
      await page.waitForSelector(`.broker[data-broker="${oldLeader}"] .status.down`);
      await setSpeed(page, 7); // 50x: the controller fences it after 9 s of silence
      await page.waitForFunction(
        (old) => {
          const el = document.querySelector('.broker:has(.replica.leader[data-partition="orders-0"])');
          return el && el.dataset.broker !== old;
        },
        oldLeader,
        { timeout: 30000 },
      );
      await page.click("#play");
      const newLeader = await leaderOf(page, "orders-0");
      await page.click("#tab-partitions");
      const isr = await page.textContent('tr[data-partition="orders-0"] .isr-cell');
      const crashedId = oldLeader.slice(1);
      if (isr.split(",").map((s) => s.trim()).includes(crashedId)) throw new Error(`ISR ${isr} still contains ${oldLeader}`);
      const flag = await page.textContent('tr[data-partition="orders-0"] td.flag');
      if (flag.trim() !== "yes") throw new Error("orders-0 is not flagged under-replicated");
      const alerts = await page.textContent(".alerts");
      if (!alerts.includes(`fences ${oldLeader}`)) throw new Error(`no alert about fencing ${oldLeader}: ${alerts}`);
      await page.screenshot({ path: path.join(artifacts, "crash-leader.png") });
      console.log(`     orders-0 leader ${oldLeader} -> ${newLeader}, ISR now ${isr}`);
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
      await page.click("#tab-lesson");
      await page.click(".own-lesson summary");
      await page.fill("textarea", '{"version": 1, "id": "x", "title": "x", "cluster": {"brokers": 0}}');
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
      // Step until the record sits in a batch with the linger countdown running.
      await clickStepUntil(page, ".acc-batch .linger", 40);
      const countdown = await page.textContent(".acc-batch .linger-text");
      await page.screenshot({ path: path.join(artifacts, "linger-countdown.png") });
      // Step on, one event at a time, until that batch leaves because linger.ms expired.
      const clicks = await clickStepUntil(page, ".sent li .reason.linger", 600);
      const reason = await page.textContent(".sent li:first-child .reason");
      if (reason.trim() !== "linger.ms expired") throw new Error(`the newest batch left because: ${reason}`);
      const log = await page.textContent(".log .lines");
      if (!log.includes("linger")) throw new Error("the event log does not say the batch left on linger.ms");
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
      await page.selectOption("#lesson-pick", "batching-step-by-step");
      await page.waitForSelector('.lesson-title:has-text("Batching, step by step")');
      await page.click("#tab-producer");
      await setSpeed(page, 4); // 2x
      await page.click("#play");
      // At 300 records/s batches fill up before linger.ms: wait for a "full" batch.
      await page.waitForSelector(".sent li .reason.full", { timeout: 30000 });
      await page.click("#play");
      await page.screenshot({ path: path.join(artifacts, "batching-full.png") });
      // Then the null-key phase: a sticky partition is shown.
      await setSpeed(page, 6); // 10x
      await page.click("#play");
      await page.waitForSelector(".acc-row.sticky", { timeout: 30000 });
      await page.click("#play");
      const chart = await page.textContent('.chart[data-metric="records-per-request-avg"] .metric-value');
      if (chart.trim() === "-") throw new Error("records-per-request-avg has no value after 10 s");
      await page.screenshot({ path: path.join(artifacts, "batching-sticky.png"), fullPage: false });
      console.log(`     records-per-request-avg ${chart.trim()}`);
    },
  },
  {
    name: "add-consumer-rebalances",
    async run(page, { base, artifacts }) {
      await waitForApp(page, base);
      await page.selectOption("#lesson-pick", "adding-partitions-moves-keys");
      await page.waitForSelector('.lesson-title:has-text("Adding partitions moves keys")');
      await page.click("#tab-consumer");
      await setSpeed(page, 6); // 10x
      await page.click("#play");
      // c1 is the only member: it owns both partitions.
      await page.waitForFunction(() => {
        const m = document.querySelector('.group-card[data-group="shipping"] .member.m1 .member-parts');
        return m && m.textContent.includes("orders-0") && m.textContent.includes("orders-1");
      }, null, { timeout: 30000 });
      await page.click("#play");
      const before = await page.textContent('.group-card[data-group="shipping"] .member.m1 .member-parts');
      // A student adds a consumer to the group: the coordinator rebalances and c2 gets a share.
      await page.fill("#add-consumer-group", "shipping");
      await page.click("#add-consumer");
      await page.waitForSelector('.consumer-card[data-consumer="c2"]');
      await page.click("#play");
      await page.waitForFunction(() => {
        const m = document.querySelector('.group-card[data-group="shipping"] .member.m2 .member-parts');
        return m && m.textContent.includes("orders-");
      }, null, { timeout: 60000 });
      await page.click("#play");
      const after = await page.textContent('.group-card[data-group="shipping"] .member.m1 .member-parts');
      const c2 = await page.textContent('.group-card[data-group="shipping"] .member.m2 .member-parts');
      if (after.split(" ").length >= before.split(" ").length) {
        throw new Error(`c1 still owns ${after} after c2 joined (before: ${before}; c2: ${c2})`);
      }
      const generation = await page.textContent('.group-card[data-group="shipping"] .group-facts dd');
      if (Number(generation) < 2) throw new Error(`generation ${generation} after a member joined`);
      await page.screenshot({ path: path.join(artifacts, "add-consumer.png") });
      console.log(`     c1 ${before} -> ${after}; c2 ${c2}; generation ${generation}`);
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
      // Bad input: a clear message, nothing crashes, the page still works.
      await page.fill("#assign-case", "{ not json");
      await page.click("#assign-run");
      const error = await page.textContent("#assign-error");
      if (!error || error.trim().length < 5) throw new Error("no error message for bad input");
      await page.click("#tab-lesson");
      await page.click("#step");
      console.log(`     ${rows.length} members; bad input: ${error.trim().slice(0, 80)}`);
    },
  },
  {
    name: "tuning-lab",
    async run(page, { base, artifacts }) {
      await waitForApp(page, base);
      await page.selectOption("#lesson-pick", "tuning-lab");
      await page.waitForSelector('.lesson-title:has-text("Tuning lab")');
      const started = Date.now();
      await page.click("#run-lab");
      // The page stays responsive while the lab runs: the progress bar moves and a step still works.
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
      console.log(`     lab finished in ${wall.toFixed(1)} s of wall time in Chromium: ${seconds[0]} s vs ${seconds[1]} s simulated (${ratio.toFixed(1)}x)`);
    },
  },
];
