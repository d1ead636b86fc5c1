// A tiny test runner: runs each case, prints a summary and writes a JUnit report.
const fs = require("fs");
const assert = require("assert");
const { orderTotal } = require("../src/total");

const cases = {
  "sums line items": () => assert.strictEqual(orderTotal([{ priceCents: 250, quantity: 2 }]), 500),
  "applies a discount": () => assert.strictEqual(orderTotal([{ priceCents: 1000, quantity: 1 }], 10), 900),
  "empty order is zero": () => assert.strictEqual(orderTotal([]), 0),
};

let failed = 0;
const results = [];
for (const [name, run] of Object.entries(cases)) {
  try {
    run();
    results.push(`<testcase classname="total" name="${name}"/>`);
    console.log(`ok - ${name}`);
  } catch (err) {
    failed += 1;
    results.push(`<testcase classname="total" name="${name}"><failure>${err.message}</failure></testcase>`);
    console.log(`not ok - ${name}: ${err.message}`);
  }
}
fs.mkdirSync("reports", { recursive: true });
fs.writeFileSync("reports/junit.xml", `<testsuites><testsuite name="orders-api">${results.join("")}</testsuite></testsuites>`);
console.log(`${Object.keys(cases).length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
