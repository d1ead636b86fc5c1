// Checks the URL the build will embed: https, no trailing slash.
const assert = require("assert");

const apiUrl = process.env.API_URL || "";
assert.ok(apiUrl.startsWith("https://"), `API_URL must start with https:// (got "${apiUrl}")`);
assert.ok(!apiUrl.endsWith("/"), "API_URL must not end with a slash");
console.log("ok - API_URL is a usable https URL");
