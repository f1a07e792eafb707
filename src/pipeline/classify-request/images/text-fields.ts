/**
 * Camera fields written as text rather than in a TIFF block: PNG `tEXt`/`zTXt`/`iTXt` chunks as
 * ImageMagick and other tools write them (`Make`, `exif:Model`, ...) and XMP packets (JPEG APP1,
 * PNG `iTXt`, WebP `XMP `, GIF application extension). A camera whose make sits only there must
 * still be recognised, so these fill whatever the TIFF block does not say.
 */

/** Camera fields found as text; each is the first value seen. */
export interface TextFields {
  make?: string;
  model?: string;
  /** EXIF form `YYYY:MM:DD HH:MM:SS` or XMP's ISO 8601 form, possibly with a zone. */
  dateTimeOriginal?: string;
  offsetTimeOriginal?: string;
  serial?: string;
}

type Field = keyof TextFields;

/** Keyword (lower case, namespace prefix dropped) to field. */
const KEYWORDS: ReadonlyMap<string, Field> = new Map<string, Field>([
  ["make", "make"],
  ["model", "model"],
  ["datetimeoriginal", "dateTimeOriginal"],
  ["offsettimeoriginal", "offsetTimeOriginal"],
  ["bodyserialnumber", "serial"],
  ["serialnumber", "serial"],
  ["cameraserialnumber", "serial"],
]);

/** Longest text value kept: the caller trims further; this bounds what a keyword can cost. */
const MAX_VALUE = 256;

/** Whether any field is set. */
export function hasFields(fields: TextFields): boolean {
  return (
    fields.make !== undefined ||
    fields.model !== undefined ||
    fields.dateTimeOriginal !== undefined ||
    fields.serial !== undefined
  );
}

/**
 * Records a `keyword = value` pair when the keyword names a camera field: `Make`, `exif:Make`,
 * `tiff:Model`, `exif:DateTimeOriginal`, `exifEX:BodySerialNumber`, `aux:SerialNumber` ...
 */
export function fieldFromKeyword(keyword: string, value: string, into: TextFields): void {
  const bare = keyword.slice(keyword.lastIndexOf(":") + 1).toLowerCase();
  const field = KEYWORDS.get(bare);
  if (field === undefined || into[field] !== undefined) return;
  const text = value.slice(0, MAX_VALUE).trim();
  if (text !== "") into[field] = text;
}

// Attribute form `tiff:Make="Axon"` and element form `<tiff:Make>Axon</tiff:Make>`.
const XMP_ATTRIBUTE = /\b([A-Za-z][\w-]*:[A-Za-z]+)\s*=\s*"([^"]{0,256})"/g;
const XMP_ELEMENT = /<([A-Za-z][\w-]*:[A-Za-z]+)>([^<]{0,256})<\/\1>/g;

const XML_ENTITIES: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&apos;": "'",
};

function unescapeXml(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|apos);/g, (e) => XML_ENTITIES[e] ?? e);
}

/** Reads the camera fields of an XMP packet (or any text holding XMP properties). */
export function fieldsFromXmp(xml: string, into: TextFields): void {
  for (const re of [XMP_ATTRIBUTE, XMP_ELEMENT]) {
    re.lastIndex = 0;
    for (let m = re.exec(xml); m !== null; m = re.exec(xml)) {
      fieldFromKeyword(m[1]!, unescapeXml(m[2]!), into);
    }
  }
}
