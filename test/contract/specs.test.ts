/**
 * Every row of every spec's contract table, against that spec's Prism mock. The tables are the
 * ones coverage.test.ts holds against specs/, so what it counts is what runs here.
 */
import { runContract } from "./run-contract.ts";
import { contracts } from "./tables/index.ts";

for (const contract of contracts) runContract(contract);
