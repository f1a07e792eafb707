/**
 * Addresses in the config: `listen.trustedProxies` entries checked before Fastify's `trustProxy`
 * sees them (a typo is a config error naming its path, not a crash or a silently ignored range),
 * and whether a listen host reaches this machine only (the admin token and demo-key checks).
 */
import { isIP, isIPv4 } from "node:net";

/** Whether `value` is an IPv4/IPv6 address or a CIDR range (`10.0.0.0/8`, `fd00::/8`). */
export function isAddressOrCidr(value: string): boolean {
  const slash = value.indexOf("/");
  if (slash === -1) return isIP(value) !== 0;
  const family = isIP(value.slice(0, slash));
  const bits = value.slice(slash + 1);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** Whether a listen host reaches this machine only (`localhost`, `127.0.0.0/8`, `::1`). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  const v4 = h.startsWith("::ffff:") ? h.slice("::ffff:".length) : h;
  return isIPv4(v4) && v4.startsWith("127.");
}
