/**
 * Stores that need Node: a token file with cross-process locking, and the OS keychain. The core
 * (`device-flow-sdk`) never imports this entry point, so it still runs in browsers and workers.
 * @module device-flow-sdk/node
 */
export { fileStore, type FileStoreOptions } from "./file-store.ts";
export type { StoredValue, TokenStore } from "../session/store.ts";
export { keychainStore, type KeychainStore, type KeychainStoreOptions } from "./keychain-store.ts";
