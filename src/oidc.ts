export { createOidcSource, type OidcSourceOptions } from './sources/oidc/oidc-source'
export { mapTokenResponse, type MappedResponse, type TokenResponseLike } from './sources/oidc/map-response'
export { classifyOidcError } from './sources/oidc/classify-error'
export { fromOidcClientUser } from './sources/oidc/from-user'
