/** The `--help` text. Exit codes come from the one table the code uses. */
import { SECRET_ENV } from "./args.ts";
import { EXIT_CODES, EXIT_CODE_MEANINGS, type ExitReason } from "./exit-codes.ts";

export function helpText(): string {
  const codes = (Object.keys(EXIT_CODES) as ExitReason[])
    .map((reason) => `  ${String(EXIT_CODES[reason]).padStart(3)}  ${EXIT_CODE_MEANINGS[reason]}`)
    .join("\n");
  return `Usage: device-login <rfc8628|trakt|transparenc|fakts> [options]

Signs in with the OAuth 2.0 Device Authorization Grant (RFC 8628): shows a code and a
page to open on any device, waits for approval, then gives the token.
The token goes to stdout (--json) or a file (--output) only; all messages go to stderr.

Where the server is:
  --issuer URL             rfc8628: find the endpoints by discovery (RFC 8414)
  --device-endpoint URL    rfc8628: device authorization endpoint (with --token-endpoint)
  --token-endpoint URL     rfc8628: token endpoint
  --base-url URL           trakt (default https://auth.trakt.tv), transparenc, fakts

Who is asking:
  --client-id ID           rfc8628, trakt, transparenc
  --client-secret S        rfc8628, trakt; better: set ${SECRET_ENV}, which
                           stays out of the process list
  --client-auth M          rfc8628: client_secret_basic (default with a secret),
                           client_secret_post, none
  --audience A             rfc8628: audience parameter (e.g. Auth0)
  --scope S                rfc8628, transparenc, fakts: space-separated scopes
  --device-type T          transparenc (required), e.g. tv, desktop
  --device-os O            transparenc (required), e.g. linux, android
  --manifest-identifier I  fakts (required): the app's identifier
  --manifest-version V     fakts (required): the app's version
  --client-kind K          fakts: development (default), website, desktop

Output:
  --json                   print the token set as JSON on stdout, nothing else
  --output FILE            write the token set as JSON to FILE, mode 0600 (written to a
                           new file next to it, then renamed over FILE)
  --no-open                do not open a browser (it opens only on a terminal with a display)
  --no-qr                  do not show the QR code

Waiting and network:
  --timeout SEC            give up after SEC seconds in all (exit code 4)
  --proxy URL              HTTP(S) proxy; default: HTTPS_PROXY / HTTP_PROXY, and NO_PROXY
  --ca FILE                also trust the PEM certificate(s) in FILE (private CA)
  --insecure               allow plain http to hosts other than loopback (the token
                           travels unencrypted); does not affect TLS verification

  -h, --help               show this help
  -V, --version            show the version

Exit codes:
${codes}

Environment: ${SECRET_ENV}, HTTPS_PROXY, HTTP_PROXY, NO_PROXY, NO_COLOR.
`;
}
