/**
 * Who a call acts for (docs/api.md, "Acting for a customer"): the customer a customer-scoped key
 * stands for, the customer named in `x-gateway-on-behalf-of`, or, for a tenant with customers that
 * says neither, every agency it may act as. Pure: no Fastify.
 */
import { errors } from "../../errors.js";
import type { Agency } from "./agency.js";
import type { Identity } from "./identify.js";

/** How the customer of a call was known; recorded in the audit as `customerBy`. */
export type CustomerBy = "key" | "declared" | "undeclared";

/** The effective agency of a call and the agencies its policy decision must hold for. */
export interface Acting {
  /** The customer when known; otherwise the tenant itself. */
  agency: Agency;
  /**
   * `key`: a customer-scoped key; `declared`: `x-gateway-on-behalf-of` with a tenant-level key;
   * `undeclared`: a tenant with customers named none. Absent when a tenant without customers acts
   * for itself.
   */
  customerBy?: CustomerBy;
  /**
   * The agencies the call is judged as: `[agency]`, or for `undeclared` the tenant itself and
   * each of its customers (denied if the call would be denied for any of them).
   */
  judgedAs: readonly Agency[];
}

const HEADER = "x-gateway-on-behalf-of";

/** The `undeclared` judgement of a tenant with customers, built once per tenant and shared. */
const undeclaredOf = new WeakMap<Identity["tenant"], Acting>();

function undeclared(tenant: Identity["tenant"]): Acting {
  let acting = undeclaredOf.get(tenant);
  if (acting === undefined) {
    acting = Object.freeze({
      agency: tenant.agency,
      customerBy: "undeclared" as const,
      judgedAs: Object.freeze([tenant.agency, ...tenant.customers.values()]),
    });
    undeclaredOf.set(tenant, acting);
  }
  return acting;
}

/**
 * Resolves who the call acts for. A header naming a customer the tenant does not have, or (with a
 * customer-scoped key) naming another customer than the key's, is a 400 `InvalidRequest`.
 */
export function actingFor(identity: Identity, onBehalfOf: string | string[] | undefined): Acting {
  const { tenant, customer: keyCustomer } = identity;
  if (onBehalfOf !== undefined) {
    const raw = Array.isArray(onBehalfOf) ? onBehalfOf[0] : onBehalfOf;
    const id = (raw ?? "").trim();
    if (keyCustomer !== undefined && id !== keyCustomer.id) {
      throw errors.customerMismatch(keyCustomer.id, id);
    }
    const named = tenant.customers.get(id);
    if (named === undefined) {
      const known = [...tenant.customers.keys()];
      throw errors.invalidHeader(
        HEADER,
        String(raw),
        known.length > 0 ? known : ["(tenant has no customers)"],
      );
    }
    return {
      agency: named,
      customerBy: keyCustomer === undefined ? "declared" : "key",
      judgedAs: [named],
    };
  }
  if (keyCustomer !== undefined) {
    return { agency: keyCustomer, customerBy: "key", judgedAs: [keyCustomer] };
  }
  if (tenant.customers.size > 0) return undeclared(tenant);
  return { agency: tenant.agency, judgedAs: [tenant.agency] };
}
