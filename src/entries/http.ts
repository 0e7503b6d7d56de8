// Package entry `taskguard/http`: the Streamable HTTP host, for embedders that let taskguard serve HTTP.
export { createHttpHost, type HttpHost, type HttpHostOptions } from '../http/host.js';
