/**
 * The effective agency: who a request acts for, after tenant identification and
 * `x-gateway-on-behalf-of` (docs/api.md). It is the Cedar principal.
 */

export const AGENCY_TYPES = [
  "law-enforcement",
  "public-safety",
  "government",
  "military",
  "healthcare",
  "education",
  "commercial",
  "research",
  "other",
] as const;
export type AgencyType = (typeof AGENCY_TYPES)[number];

export interface Jurisdiction {
  /** ISO 3166-1 alpha-2, e.g. `US`. */
  country: string;
  /** ISO 3166-2 subdivision code, e.g. `US-NY`, when configured. */
  subdivision?: string;
}

/** The principal of a policy decision. */
export interface Agency {
  /** The tenant's id, or the customer's id when acting on behalf of one. */
  id: string;
  /** The tenant that authenticated (a vendor when `onBehalfOf` is set). */
  tenantId: string;
  /** Set when the tenant acts for one of its customers. */
  onBehalfOf?: string;
  agencyType: AgencyType;
  jurisdiction: Jurisdiction;
  /** True when the tenant (or customer) attested consent of the people it identifies. */
  consentAttested: boolean;
  /**
   * Agency type of the authenticating tenant itself; a vendor acting for police is judged as
   * police (the effective agency), and this records what the vendor is.
   */
  tenantAgencyType: AgencyType;
}
