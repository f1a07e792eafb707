/**
 * EXIF capture time as evidence of live capture (docs/configuration.md "Live or recorded
 * capture"): a frame whose DateTimeOriginal is only seconds old is most likely being streamed
 * from the camera, whatever the request declares. EXIF is evidence against a declaration, never
 * proof of one: an old capture time never makes a request `recorded`. Pure.
 */

/**
 * How far in the future a capture time may lie and still count as fresh: camera clocks drift and
 * body-worn cameras sync only when docked. Further ahead, the clock is wrong and says nothing.
 */
export const FUTURE_SKEW_MS = 5 * 60_000;

/** The capture-time age under which a frame is `live` when the config does not say. */
export const DEFAULT_EXIF_LIVE_MAX_AGE_MS = 120_000;

const HOUR_MS = 3_600_000;
/** UTC offsets in use, from UTC-12:00 (Baker Island) to UTC+14:00 (Line Islands). */
const WESTMOST_OFFSET_MS = -12 * HOUR_MS;
const EASTMOST_OFFSET_MS = 14 * HOUR_MS;

const ZONED = /(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * Whether a capture time (ISO 8601, as `ExifCamera.capturedAt`) is at most `maxAgeMs` old at
 * `now` and at most `FUTURE_SKEW_MS` ahead of it. A time without a zone is the camera's local time
 * in an unknown zone: it counts as recent when it is recent under any UTC offset from -12:00 to
 * +14:00, so an unknown zone fails toward `live`.
 */
export function isRecentCapture(capturedAt: string, now: number, maxAgeMs: number): boolean {
  const zoned = ZONED.test(capturedAt);
  const wall = Date.parse(zoned ? capturedAt : `${capturedAt}Z`);
  if (Number.isNaN(wall)) return false;
  // The instant is the local time minus the offset: between wall - 14 h and wall + 12 h.
  const earliest = zoned ? wall : wall - EASTMOST_OFFSET_MS;
  const latest = zoned ? wall : wall - WESTMOST_OFFSET_MS;
  return latest >= now - maxAgeMs && earliest <= now + FUTURE_SKEW_MS;
}
