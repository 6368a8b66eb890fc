// Test-side only (node --import): resolve "*.localhost" to 127.0.0.1, as systemd-resolved, macOS and browsers
// do (RFC 6761 §6.3); glibc without nss-myhostname does not. The client code under test is unchanged.
import dns from "node:dns";

const lookup = dns.lookup;
dns.lookup = function (host, options, callback) {
  return lookup.call(this, /\.localhost\.?$/i.test(host) ? "127.0.0.1" : host, options, callback);
};
