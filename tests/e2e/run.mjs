// End-to-end tests of the built app (dist/) in headless Chromium: real clicks, screenshots, and
// zero tolerance for console errors or wasm panics. Run by scripts/test after `trunk build`.
//
//   node tests/e2e/run.mjs [--dist DIR] [--only NAME]
//
// Screenshots land in tests/e2e/artifacts/.

import { chromium } from "playwright-core";
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { execSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { scenarios } from "./scenarios.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const argValue = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const dist = path.resolve(argValue("--dist") ?? path.join(here, "..", "..", "dist"));
const only = argValue("--only");
const artifacts = path.join(here, "artifacts");
fs.mkdirSync(artifacts, { recursive: true });

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

function serve(root) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://localhost");
    let file = path.join(root, decodeURIComponent(url.pathname));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    if (!fs.existsSync(file)) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function chromiumPath() {
  for (const candidate of ["chromium", "chromium-browser"]) {
    try {
      return execSync(`command -v ${candidate}`, { encoding: "utf8" }).trim();
    } catch {}
  }
  throw new Error("Chromium is not installed (apt-get install -y chromium)");
}

async function main() {
  if (!fs.existsSync(path.join(dist, "index.html"))) throw new Error(`no built app in ${dist}: run trunk build first`);
  const server = await serve(dist);
  const base = `http://127.0.0.1:${server.address().port}/`;
  const userDataDir = fs.mkdtempSync("/tmp/kc-chromium-");
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    viewport: { width: 1600, height: 1000 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
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
        if (problems.length) throw new Error(problems.join("\n"));
        console.log(`ok   ${scenario.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } catch (err) {
        failures += 1;
        console.log(`FAIL ${scenario.name}: ${err.message}${problems.length ? "\n" + problems.join("\n") : ""}`);
        await page.screenshot({ path: path.join(artifacts, `${scenario.name}-failure.png`) }).catch(() => {});
      }
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
