/** Every spec's contract table, by spec name: what coverage.test.ts holds against specs/. */
import type { SpecContract } from "../contract.ts";
import { amazonContract } from "./amazon.ts";
import { awsSsoContract } from "./aws-sso.ts";
import { faktsContract } from "./fakts.ts";
import { rfc8628Contract } from "./rfc8628.ts";
import { traktContract } from "./trakt.ts";
import { transparencContract } from "./transparenc.ts";
import { twitchContract } from "./twitch.ts";

export const contracts: readonly SpecContract[] = [
  rfc8628Contract,
  traktContract,
  transparencContract,
  faktsContract,
  twitchContract,
  amazonContract,
  awsSsoContract,
];
