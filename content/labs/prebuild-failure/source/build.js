// Writes the static site's runtime configuration from the environment.
const fs = require("fs");

const apiUrl = process.env.API_URL;
if (!apiUrl || !apiUrl.startsWith("https://")) {
  console.error(`build: API_URL must be an https URL, got "${apiUrl || ""}"`);
  process.exit(1);
}
fs.mkdirSync("dist", { recursive: true });
fs.writeFileSync("dist/config.json", JSON.stringify({ apiUrl }, null, 2) + "\n");
fs.writeFileSync("dist/index.html", "<!doctype html><title>Storefront</title><div id=app></div>\n");
console.log(`build: wrote dist/config.json for ${apiUrl}`);
