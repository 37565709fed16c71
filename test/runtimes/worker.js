// workerd runs this module worker; a request to /?issuer=… runs the conformance checks and
// answers with the report.
import { runConformance } from "./conformance.js";

export default {
  async fetch(request) {
    const issuer = new URL(request.url).searchParams.get("issuer");
    return Response.json(await runConformance(issuer));
  },
};
