/** DNS for the target: allowed names resolved on the host, NXDOMAIN for the rest. */
export { dnsAllowed, type DnsVerdict, dnsVerdict } from "./allow.ts";
export {
  addressData,
  buildResponse,
  type DnsAnswer,
  type DnsQuery,
  parseQuery,
  QTYPES,
  RCODE,
} from "./message.ts";
export {
  ANSWER_TTL,
  answerQuery,
  type DnsStreamOptions,
  PERMIT_TTL_S,
  serveDnsStream,
} from "./serve.ts";
