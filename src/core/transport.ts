/**
 * Keys a request carries for the HTTP exchange rather than for the messages
 * it asks about: dropped where a request's own keys are taken as content (a
 * dryrun's message, a configuration request).
 */
export const TRANSPORT_KEYS: ReadonlySet<string> = new Set([
  'path',
  'method',
  'require-codec',
  'accept-codec',
  'accept-bundle',
  'signing-format',
  'codec-device',
  'accept',
  'accept-encoding',
  'accept-language',
  'cache-control',
  'connection',
  'content-length',
  'host',
  'keep-alive',
  'origin',
  'referer',
  'transfer-encoding',
  'user-agent',
]);
