/**
 * Terse follow-ups that ask who someone is ("Name?", "Who?", "Nom ?", "¿Nombre?"): on their own
 * they ask nothing, but in a request that carries an image, or continues a conversation that did,
 * they are the identification ask ("Name?" after a body-cam photo). The lexicon classifier needs a
 * person word near its cue; these have none, so they are matched here, only when images are in
 * play, only on texts of at most three words.
 */
import type { Evidence, TextSource } from "../facts.js";

/** Identity words: "name", "who", "identity", "identify" in the classifier's languages. */
const IDENTITY_WORDS: ReadonlySet<string> = new Set([
  "name",
  "names",
  "who",
  "whom",
  "identity",
  "identify",
  "id",
  "nom",
  "qui",
  "identité",
  "nombre",
  "quién",
  "quien",
  "identidad",
  "wer",
  "wen",
  "identität",
  "nome",
  "chi",
  "quem",
  "identità",
  "identidade",
  "naam",
  "wie",
  "namn",
  "vem",
  "navn",
  "hvem",
  "imię",
  "kto",
  "jméno",
  "kdo",
  "имя",
  "кто",
  "ім'я",
  "хто",
  "isim",
  "kim",
  "ad",
  "adı",
  "اسم",
  "من",
  "שם",
  "מי",
  "नाम",
  "कौन",
  "tên",
  "ai",
  "nama",
  "siapa",
  "谁",
  "名字",
  "姓名",
  "誰",
  "名前",
  "이름",
  "누구",
]);

const MAX_WORDS = 3;

/** Evidence for terse identity asks among `texts`. */
export function terseIdentityAsks(texts: readonly TextSource[]): Evidence[] {
  const out: Evidence[] = [];
  for (const t of texts) {
    // Keys are the caller's field names (`custom_id`), not asks.
    if (t.text.length > 60 || t.where.endsWith(":key")) continue;
    const words = t.text
      .toLowerCase()
      .split(/[\s?¿!¡.,:;"'()…？！。，]+/u)
      .filter((w) => w !== "");
    if (words.length === 0 || words.length > MAX_WORDS) continue;
    if (words.some((w) => IDENTITY_WORDS.has(w))) {
      out.push({ purpose: "facial-identification", rule: "terse.identity-ask", where: t.where });
    }
  }
  return out;
}
