/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The OpenID provider, set by examples/run.mjs. */
  readonly VITE_OIDC_ISSUER?: string
  readonly VITE_OIDC_CLIENT_ID?: string
}

interface ImportMeta {
  readonly env: ImportMetaEnv
}
