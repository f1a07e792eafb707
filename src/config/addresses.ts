/**
 * Checks `listen.trustedProxies` entries before Fastify's `trustProxy` sees them, so a typo is a
 * config error naming its path rather than a crash (or a silently ignored range) at start.
 */
import { isIP } from "node:net";

/** Whether `value` is an IPv4/IPv6 address or a CIDR range (`10.0.0.0/8`, `fd00::/8`). */
export function isAddressOrCidr(value: string): boolean {
  const slash = value.indexOf("/");
  if (slash === -1) return isIP(value) !== 0;
  const family = isIP(value.slice(0, slash));
  const bits = value.slice(slash + 1);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}
