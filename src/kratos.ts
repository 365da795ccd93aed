export { createKratosSource, AAL2_REQUIRED, type KratosSourceOptions } from './sources/kratos/kratos-source'
export { mapKratosSession, type KratosMappingOptions } from './sources/kratos/map-session'
export type {
  KratosAuthenticatorAssuranceLevel,
  KratosIdentity,
  KratosSession,
  KratosSessionAuthenticationMethod,
  KratosSessionDevice,
} from './sources/kratos/kratos-types'
