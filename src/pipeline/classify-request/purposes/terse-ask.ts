/**
 * Terse follow-ups that ask who someone is ("Name?", "Who?", "Nom ?", "¿Nombre?"): on their own
 * they ask nothing, but in a request that carries an image, or continues a conversation that did,
 * they are the identification ask ("Name?" after a body-cam photo). The lexicon classifier needs a
 * person word near its cue; these have none, so they are matched here, only when images are in
 * play, only on texts of at most three words. Two-word names of the job ("face search please")
 * count too.
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
  // Romanised Hindi and Urdu, Urdu, Bengali, Tagalog, Swahili, Thai, Greek, Finnish, Persian.
  "kaun",
  "کون",
  "نام",
  "কে",
  "নাম",
  "sino",
  "pangalan",
  "nani",
  "jina",
  "ใคร",
  "ชื่อ",
  "ποιος",
  "ποια",
  "όνομα",
  "kuka",
  "nimi",
  "کیست",
]);

/**
 * Two-word asks for a face search, matched in the same short texts ("face search please", "face
 * match?"): they name the job without an identity word.
 */
const FACE_SEARCH_PHRASES: readonly string[] = [
  "face search",
  "face match",
  "face rec",
  "facial rec",
  "facial recognition",
  "face lookup",
  "reverse face",
];

/** Words that turn a short text into a refusal or a question about the job ("no face search"). */
const NEGATIONS: ReadonlySet<string> = new Set(["no", "not", "without", "don't", "dont", "never"]);

const MAX_WORDS = 3;

/**
 * Identity words of scripts written without spaces ("这是谁?", "นี่ใคร"), found inside a short text
 * of those scripts, which splitting on spaces leaves as one word.
 */
const UNSPACED_IDENTITY_WORDS: readonly string[] = [
  "谁",
  "誰",
  "名字",
  "姓名",
  "名前",
  "だれ",
  "ใคร",
  "ชื่อ",
];
/** The most characters of an unspaced short text ("这个人是谁" is five). */
const MAX_UNSPACED_CHARS = 12;
const UNSPACED_SCRIPT = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;

/** Evidence for terse identity asks among `texts`. */
export function terseIdentityAsks(texts: readonly TextSource[]): Evidence[] {
  const out: Evidence[] = [];
  for (const t of texts) {
    // Keys are the caller's field names (`custom_id`), not asks.
    if (t.text.length > 60 || t.where.endsWith(":key")) continue;
    const words = t.text
      .toLowerCase()
      .split(/[\s?¿!¡.,:;"'()…？！。，؟،;।]+/u)
      .filter((w) => w !== "");
    if (words.length === 0 || words.length > MAX_WORDS) continue;
    const joined = words.join(" ");
    const facePhrase =
      FACE_SEARCH_PHRASES.some((p) => joined.includes(p)) && !words.some((w) => NEGATIONS.has(w));
    const unspaced =
      words.length === 1 &&
      words[0]!.length <= MAX_UNSPACED_CHARS &&
      UNSPACED_SCRIPT.test(words[0]!) &&
      UNSPACED_IDENTITY_WORDS.some((w) => words[0]!.includes(w));
    if (facePhrase || unspaced || words.some((w) => IDENTITY_WORDS.has(w))) {
      out.push({ purpose: "facial-identification", rule: "terse.identity-ask", where: t.where });
    }
  }
  return out;
}
