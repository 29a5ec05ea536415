/**
 * Cloudflare's own 52x statuses: when the records are proxied, an origin failure between
 * Cloudflare and the platform's proxy reaches the client as one of these, not as the app's error.
 */

/** What a 520–526 from Cloudflare means for this platform (DNS → Cloudflare → proxy → tenant). */
export const CLOUDFLARE_STATUS: Readonly<Record<number, string>> = {
  520: "Cloudflare got an empty or malformed answer from the proxy (it reset the connection or crashed mid-response); look at the proxy's pods and logs (logs --proxy)",
  521: "Cloudflare's connection to the proxy was refused: the proxy Service has no address yet, port 443 is closed, or a firewall drops Cloudflare's addresses",
  522: "Cloudflare's connection to the proxy timed out: the DNS record points at an address nothing listens on, or the load balancer or a firewall drops the traffic",
  523: "Cloudflare cannot route to the proxy's address: the record's content is not a reachable public address (check the record in the live zone)",
  524: "Cloudflare reached the proxy but had no answer within its 100 s limit: the tenant's app is slow or stuck (streaming responses must send bytes before then)",
  525: "the TLS handshake between Cloudflare and the proxy failed: the proxy does not serve TLS for this name on 443 (no SNI match, no shared cipher); run certs --stack to see what it serves",
  526: "Cloudflare (Full (strict)) rejected the proxy's certificate: it is self-signed, expired, or does not cover this name; use tls.mode cloudflare-origin-ca or acme, and run certs --stack to see what is served",
};
