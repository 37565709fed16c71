/**
 * The part of oidc-provider 8.x the demo server uses. The package ships no types (DefinitelyTyped
 * has them as a separate package, which this repository does not install), so only what is
 * called here is declared, as narrowly as the calls need.
 */
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  /** The Koa context oidc-provider hands to its page-rendering hooks. */
  export interface KoaContextWithOIDC {
    body: unknown;
    type: string;
    status: number;
    set(field: string, value: string): void;
    oidc: {
      client?: { clientId: string; clientName?: string };
    };
  }

  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    client_name?: string;
    token_endpoint_auth_method?: "none" | "client_secret_basic" | "client_secret_post";
    grant_types?: string[];
    response_types?: string[];
    redirect_uris?: string[];
    scope?: string;
  }

  export interface Account {
    accountId: string;
    claims(use: string, scope: string): Promise<Record<string, unknown>> | Record<string, unknown>;
  }

  /** The configuration keys the demo sets; see oidc-provider's docs/README.md for all of them. */
  export interface Configuration {
    adapter?: unknown;
    clients?: ClientMetadata[];
    findAccount?: (ctx: KoaContextWithOIDC, sub: string) => Promise<Account | undefined>;
    claims?: Record<string, string[]>;
    scopes?: string[];
    jwks?: { keys: object[] };
    cookies?: {
      keys?: string[];
      long?: { sameSite?: "lax" | "strict" | "none"; signed?: boolean };
      short?: { sameSite?: "lax" | "strict" | "none"; signed?: boolean };
    };
    features?: {
      devInteractions?: { enabled: boolean };
      deviceFlow?: {
        enabled: boolean;
        charset?: "base-20" | "digits";
        mask?: string;
        userCodeInputSource?: (
          ctx: KoaContextWithOIDC,
          form: string,
          out: unknown,
          err: (Error & { userCode?: string }) | undefined,
        ) => Promise<void>;
        userCodeConfirmSource?: (
          ctx: KoaContextWithOIDC,
          form: string,
          client: { clientId: string; clientName?: string },
          deviceInfo: unknown,
          userCode: string,
        ) => Promise<void>;
        successSource?: (ctx: KoaContextWithOIDC) => Promise<void>;
      };
      revocation?: { enabled: boolean };
    };
    interactions?: {
      url?: (ctx: KoaContextWithOIDC, interaction: { uid: string }) => Promise<string>;
    };
    issueRefreshToken?: (
      ctx: KoaContextWithOIDC,
      client: { grantTypeAllowed(grant: string): boolean },
      code: { kind: string; scopes: Set<string> },
    ) => Promise<boolean>;
    renderError?: (
      ctx: KoaContextWithOIDC,
      out: Record<string, string>,
      error: Error,
    ) => Promise<void>;
    routes?: Record<string, string>;
    ttl?: Record<string, number>;
  }

  export interface InteractionDetails {
    uid: string;
    prompt: {
      name: string;
      reasons: string[];
      details: { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    };
    params: { client_id?: string; scope?: string } & Record<string, unknown>;
    session?: { accountId: string };
    grantId?: string;
  }

  export interface Grant {
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    save(): Promise<string>;
  }

  export type InteractionResult =
    | { login: { accountId: string } }
    | { consent: { grantId: string } }
    | { error: string; error_description?: string };

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    /** Trust X-Forwarded-Host and X-Forwarded-Proto (Koa's `app.proxy`). */
    proxy: boolean;
    readonly issuer: string;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResult,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    readonly Grant: {
      new (fields: { accountId: string; clientId: string }): Grant;
      find(id: string): Promise<Grant | undefined>;
    };
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  export default Provider;
}

declare module "oidc-provider/lib/adapters/memory_adapter.js" {
  /** oidc-provider's own in-memory storage adapter. */
  export default class MemoryAdapter {
    constructor(model: string);
  }
}
