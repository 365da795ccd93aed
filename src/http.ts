export { createHttpSource, type HttpSourceOptions } from './sources/http/http-source'
export { toHttpSession, type HttpSessionBody } from './sources/http/http-session'
