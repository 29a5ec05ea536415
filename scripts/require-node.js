// `npm test` runs this first (pretest): on a Node the dependencies do not support, stop at once
// with one line instead of minutes of undici and vitest crashes. Plain CommonJS so that any old
// Node runs it. Keep in step with package.json "engines" (^22.19.0 || >=24.0.0) and .nvmrc.
"use strict";

/** Whether a Node version ("22.19.0", "v24.1.0") can run the tests. */
function supported(version) {
  const [major, minor] = String(version).replace(/^v/, "").split(".").map(Number);
  return major >= 24 || (major === 22 && minor >= 19);
}

function message(version) {
  return `agent-cloud needs Node 24 (or 22.19+), this is Node ${version}: run "nvm use" (.nvmrc) or install Node 24, then npm test again`;
}

if (require.main === module && !supported(process.versions.node)) {
  console.error(message(process.versions.node));
  process.exit(1);
}

module.exports = { supported, message };
