// The monkey: a seeded sequence of random clicks, keys, slider moves, form entries and console
// lines (garbage included) across every panel. Nothing it does may log a console error, panic the wasm module
// or leave the page unresponsive. On failure it prints the seed and the actions to replay:
//
//   KC_MONKEY_SEED=123 KC_MONKEY_ACTIONS=10000 node tests/e2e/run.mjs --only monkey

/// mulberry32: a small seeded PRNG, so a seed replays the same choices.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GARBAGE = [
  "", " ", "-1", "0", "1", "3", "99999999999999999999", "1e309", "NaN", "-0", "0x10", "abc",
  "é🦀", "\u0000", "<img src=x onerror=alert(1)>", "{\"version\": 1}", "{", "[]", "null",
  "a,b,,c", "b1", "orders-0", "x".repeat(5000), "9".repeat(400), "true", " 5 ",
];
const KEYS = [
  "ArrowRight", "ArrowLeft", "Space", "PageDown", "PageUp", "Escape", "Enter", "Tab", "?",
  "p", "c", "s", "r", "l", "1", "2", "5", "9", "Home", "End", "Backspace", "z",
];
/// Console lines: real tool lines of every tool the console knows, and garbage. `consoleLine`
/// also mutates them (a token swapped for garbage, a line cut short).
const CONSOLE_LINES = [
  "kafka-topics.sh --bootstrap-server b1:9092 --describe",
  "kafka-topics.sh --bootstrap-server b1:9092 --list",
  "kafka-topics.sh --bootstrap-server b1:9092 --create --topic demo --partitions 3 --replication-factor 2",
  "kafka-topics.sh --bootstrap-server b1:9092 --alter --topic orders --partitions 6",
  "kafka-topics.sh --bootstrap-server b1:9092 --delete --topic orders",
  "kafka-consumer-groups.sh --bootstrap-server b1:9092 --describe --all-groups",
  "kafka-consumer-groups.sh --bootstrap-server b1:9092 --list",
  "kafka-consumer-groups.sh --bootstrap-server b1:9092 --group g --reset-offsets --to-earliest --topic orders --execute",
  "kafka-configs.sh --bootstrap-server b1:9092 --entity-type topics --entity-name orders --describe",
  "kafka-configs.sh --bootstrap-server b1:9092 --entity-type topics --entity-name orders --alter --add-config retention.ms=1000",
  "kafka-console-producer.sh --bootstrap-server b1:9092 --topic orders",
  "kafka-console-consumer.sh --bootstrap-server b1:9092 --topic orders --from-beginning --max-messages 5",
  "kafka-leader-election.sh --bootstrap-server b1:9092 --election-type preferred --all-topic-partitions",
  "kafka-get-offsets.sh --bootstrap-server b1:9092 --topic orders",
  "kafka-metadata-quorum.sh --bootstrap-server b1:9092 describe --status",
  "help", "clear", "ls", "kafka-topics.sh", "kafka-topics.sh --help", "--describe", "|", "&&", "'", "\"",
  "kafka-topics.sh --bootstrap-server b1:9092 --create --topic \"x y\" --partitions -1",
  "kafka-topics.sh --bootstrap-server b1:9092 --create --topic t --partitions 99999999999999999999",
];

function consoleLine(rand, pick) {
  const line = pick(CONSOLE_LINES);
  const r = rand();
  if (r < 0.5) return line;
  const words = line.split(" ");
  if (r < 0.8) {
    words[Math.floor(rand() * words.length)] = pick(GARBAGE);
    return words.join(" ");
  }
  return line.slice(0, Math.floor(rand() * line.length));
}

/// Type one console line, opening the Console panel first when it is closed.
async function typeConsoleLine(page, rand, pick) {
  const input = page.locator("#console-input");
  if (!(await input.isVisible().catch(() => false))) {
    await page.locator("#tab-console").click({ timeout: 500 }).catch(() => {});
  }
  const line = consoleLine(rand, pick);
  await input.fill(line, { timeout: 500 }).catch(() => {});
  await input.press(rand() < 0.9 ? "Enter" : "Tab", { timeout: 500 }).catch(() => {});
  return `console ${JSON.stringify(line.length > 60 ? line.slice(0, 40) + `…(${line.length})` : line)}`;
}

/// What the monkey may click: everything a user can, except the file chooser.
const CLICKABLE =
  "button:not([disabled]), summary, select, .rep, .node, .prow, #narration .line, [role=button], input[type=checkbox], label";

/// Choose a visible element matching `selector` with the random number `r`, in one round trip:
/// it is marked `data-monkey` for Playwright to act on, and described for the action list.
async function choose(page, selector, r) {
  return page.evaluate(
    ([selector, r]) => {
      document.querySelectorAll("[data-monkey]").forEach((e) => e.removeAttribute("data-monkey"));
      const els = [...document.querySelectorAll(selector)].filter((e) => {
        const b = e.getBoundingClientRect();
        return b.width > 1 && b.height > 1 && b.bottom > 0 && b.right > 0 && b.top < innerHeight && b.left < innerWidth;
      });
      if (!els.length) return null;
      const e = els[Math.floor(r * els.length)];
      e.setAttribute("data-monkey", "1");
      const id = e.id ? `#${e.id}` : "";
      const cls = typeof e.className === "string" && e.className ? "." + e.className.trim().split(/\s+/).slice(0, 2).join(".") : "";
      const text = (e.textContent || "").trim().replace(/\s+/g, " ").slice(0, 24);
      const options = e.tagName === "SELECT" ? [...e.options].map((o) => o.value) : [];
      return { what: `${e.tagName.toLowerCase()}${id}${cls}${text ? ` "${text}"` : ""}`, tag: e.tagName, options };
    },
    [selector, r],
  );
}

async function oneAction(page, rand, pick) {
  const kind = rand();
  const target = page.locator("[data-monkey]");
  if (kind < 0.45) {
    const el = await choose(page, CLICKABLE, rand());
    if (!el) return "click: nothing to click";
    if (el.tag === "SELECT") {
      if (!el.options.length) return `select ${el.what}: no options`;
      const value = pick(el.options);
      await target.selectOption(value, { timeout: 500 }).catch(() => {});
      return `select ${el.what} = ${JSON.stringify(value)}`;
    }
    await target.click({ timeout: 500 }).catch(() => {});
    return `click ${el.what}`;
  }
  if (kind < 0.55) return typeConsoleLine(page, rand, pick);
  if (kind < 0.7) {
    const key = pick(KEYS);
    await page.keyboard.press(key);
    return `key ${key}`;
  }
  if (kind < 0.8) {
    const fraction = rand();
    const el = await choose(page, "input[type=range]", fraction);
    if (!el) return "slide: no slider";
    await target.evaluate((e, f) => {
      const min = Number(e.min || 0), max = Number(e.max || 100);
      e.value = String(Math.round(min + f * (max - min)));
      e.dispatchEvent(new Event("input", { bubbles: true }));
      e.dispatchEvent(new Event("change", { bubbles: true }));
    }, fraction).catch(() => {});
    return `slide ${el.what} to ${fraction.toFixed(2)}`;
  }
  const el = await choose(page, "input[type=text], input:not([type]), textarea", rand());
  if (!el) return "type: no field";
  const text = pick(GARBAGE);
  await target.fill(text, { timeout: 500 }).catch(() => {});
  if (rand() < 0.5) await target.press("Enter", { timeout: 500 }).catch(() => {});
  else await target.evaluate((e) => e.dispatchEvent(new Event("change", { bubbles: true }))).catch(() => {});
  return `type ${JSON.stringify(text.length > 40 ? text.slice(0, 12) + `…(${text.length})` : text)} into ${el.what}`;
}

export async function monkey(page, base, { seed, actions }) {
  const rand = prng(seed);
  const pick = (items) => items[Math.floor(rand() * items.length)];
  const log = [];
  const problems = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console error: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("dialog", (d) => d.dismiss().catch(() => {}));
  const fail = (why) => {
    const tail = log.map((a, i) => `  ${i + 1}. ${a}`).join("\n");
    throw new Error(`monkey failed (seed ${seed}, replay: KC_MONKEY_SEED=${seed} KC_MONKEY_ACTIONS=${actions}): ${why}\nactions:\n${tail}`);
  };
  await page.goto(base);
  await page.waitForSelector(".stage .prow", { timeout: 30000 });
  for (let i = 0; i < actions; i++) {
    // A link that would leave the page (or download) is not the app's to test.
    if (!page.url().startsWith(base)) await page.goto(base);
    log.push(await oneAction(page, rand, pick));
    if (problems.length) fail(problems.join("\n"));
    if ((await page.locator("#panic-overlay").count()) > 0) fail(await page.textContent("#panic-overlay"));
    if (i % 50 === 49) {
      // Still alive: the page answers and the stage is drawn.
      const alive = await page.evaluate(() => !!document.querySelector("#step")).catch(() => false);
      if (!alive) fail("the page stopped answering");
    }
  }
  return log;
}
