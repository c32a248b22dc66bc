// End-to-end tests of the built app (dist/) in headless Chromium: real clicks, screenshots, and
// zero tolerance for console errors or wasm panics. Run by scripts/test after `trunk build`.
//
//   node tests/e2e/run.mjs [--dist DIR] [--only NAME]
//
// Screenshots land in tests/e2e/artifacts/.

import { chromium } from "playwright-core";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { scenarios } from "./scenarios.mjs";
import { serve, chromiumPath, launchArgs, argValue } from "./harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(argValue("--dist") ?? path.join(here, "..", "..", "dist"));
const only = argValue("--only");
const artifacts = path.join(here, "artifacts");
fs.mkdirSync(artifacts, { recursive: true });

async function main() {
  if (!fs.existsSync(path.join(dist, "index.html"))) throw new Error(`no built app in ${dist}: run trunk build first`);
  const server = await serve(dist);
  const base = `http://127.0.0.1:${server.address().port}/`;
  const userDataDir = fs.mkdtempSync("/tmp/kc-chromium-");
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    viewport: { width: 1600, height: 1000 },
    args: launchArgs,
  });
  let failures = 0;
  try {
    for (const scenario of scenarios) {
      if (only && scenario.name !== only) continue;
      const page = await browser.newPage();
      const problems = [];
      page.on("console", (msg) => {
        if (msg.type() === "error") problems.push(`console error: ${msg.text()}`);
      });
      page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
      const started = Date.now();
      try {
        await scenario.run(page, { base, artifacts });
        // A scenario that provokes an error on purpose names it; anything else still fails.
        const allowed = scenario.allowedErrors ?? [];
        const unexpected = problems.filter((p) => !allowed.some((re) => re.test(p)));
        problems.length = 0;
        problems.push(...unexpected);
        if (problems.length) throw new Error(problems.join("\n"));
        console.log(`ok   ${scenario.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } catch (err) {
        failures += 1;
        console.log(`FAIL ${scenario.name}: ${err.message}${problems.length ? "\n" + problems.join("\n") : ""}`);
        await page.screenshot({ path: path.join(artifacts, `${scenario.name}-failure.png`) }).catch(() => {});
      }
      // Branches a scenario left in local storage would reopen in the next one's lessons.
      await page.evaluate(() => {
        for (const k of Object.keys(localStorage)) if (k.startsWith("kafka-classroom.branches.")) localStorage.removeItem(k);
      }).catch(() => {});
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  if (failures) {
    console.log(`${failures} end-to-end scenario(s) failed; screenshots in ${artifacts}`);
    process.exit(1);
  }
  console.log(`all end-to-end scenarios passed; screenshots in ${artifacts}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
