// Node, Deno and Bun run this file with the issuer as the first argument; it prints the report
// as one JSON line and exits on its own (a timer or socket left behind would keep it alive).
import { runConformance } from "./conformance.js";

const issuer = globalThis.Deno ? globalThis.Deno.args[0] : globalThis.process.argv[2];
const report = await runConformance(issuer);
console.log(JSON.stringify(report));
